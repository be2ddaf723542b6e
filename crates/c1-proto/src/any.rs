//! Packing messages into `google.protobuf.Any` and back.
//!
//! Type URLs are `type.googleapis.com/<full proto name>`, as the Go SDK
//! writes them (for example `type.googleapis.com/c1.connector.v2.UserTrait`).

use prost::{DecodeError, Name};
use prost_types::Any;

/// Wraps `msg` in an `Any` whose type URL names `M`.
pub fn pack<M: Name>(msg: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: msg.encode_to_vec(),
    }
}

/// Whether `any` holds a message of type `M`.
pub fn is<M: Name>(any: &Any) -> bool {
    any.type_url == M::type_url()
}

/// Decodes `any` as `M`: `Ok(None)` if it holds another type, an error if it
/// names `M` but its bytes do not decode.
pub fn unpack<M: Name + Default>(any: &Any) -> Result<Option<M>, DecodeError> {
    if !is::<M>(any) {
        return Ok(None);
    }
    M::decode(any.value.as_slice()).map(Some)
}

/// Decodes the first annotation of type `M` in `annotations`, if any.
pub fn find<M: Name + Default>(annotations: &[Any]) -> Result<Option<M>, DecodeError> {
    annotations
        .iter()
        .find(|any| is::<M>(any))
        .map_or(Ok(None), |any| unpack(any))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::c1::connector::v2::{GroupTrait, UserTrait, user_trait};

    #[test]
    fn type_urls_use_the_googleapis_domain_and_full_proto_name() {
        assert_eq!(
            UserTrait::type_url(),
            "type.googleapis.com/c1.connector.v2.UserTrait"
        );
        assert_eq!(
            user_trait::Email::type_url(),
            "type.googleapis.com/c1.connector.v2.UserTrait.Email"
        );
        assert_eq!(
            crate::google::rpc::Status::type_url(),
            "type.googleapis.com/google.rpc.Status"
        );
    }

    #[test]
    fn packed_message_unpacks_to_an_equal_message() {
        let user = UserTrait {
            login: "alice".into(),
            ..Default::default()
        };
        let any = pack(&user);
        assert_eq!(
            any.type_url,
            "type.googleapis.com/c1.connector.v2.UserTrait"
        );
        assert_eq!(unpack::<UserTrait>(&any).unwrap(), Some(user));
    }

    #[test]
    fn unpack_of_another_type_is_none() {
        let any = pack(&GroupTrait::default());
        assert!(!is::<UserTrait>(&any));
        assert_eq!(unpack::<UserTrait>(&any).unwrap(), None);
    }

    #[test]
    fn unpack_of_corrupt_bytes_is_an_error() {
        let any = Any {
            type_url: UserTrait::type_url(),
            value: vec![0x0a, 0x05, b'x'],
        };
        assert!(unpack::<UserTrait>(&any).is_err());
    }

    #[test]
    fn find_returns_the_first_annotation_of_the_type() {
        let first = UserTrait {
            login: "first".into(),
            ..Default::default()
        };
        let second = UserTrait {
            login: "second".into(),
            ..Default::default()
        };
        let annotations = [pack(&GroupTrait::default()), pack(&first), pack(&second)];
        assert_eq!(find::<UserTrait>(&annotations).unwrap(), Some(first));
        assert_eq!(find::<UserTrait>(&annotations[..1]).unwrap(), None);
    }
}
