//! Failure injection: refused token requests, failing gRPC methods, a cut or stalled
//! upload.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use tonic::Code;

/// How many times an injected fault fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    /// The next `n` requests, then the fault is gone.
    Next(u32),
    /// Every request until the faults are cleared.
    Always,
}

/// A `BatonService` method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `Hello`.
    Hello,
    /// `GetTask`.
    GetTask,
    /// `Heartbeat`.
    Heartbeat,
    /// `FinishTask`.
    FinishTask,
    /// `UploadAsset`.
    UploadAsset,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A fault and how many more times it fires.
#[derive(Debug)]
struct Armed<T> {
    what: T,
    times: Times,
}

impl<T: Copy> Armed<T> {
    /// Fires once: the fault, and whether it is now used up.
    fn fire(&mut self) -> (T, bool) {
        match &mut self.times {
            Times::Always => (self.what, false),
            Times::Next(n) => {
                *n = n.saturating_sub(1);
                (self.what, *n == 0)
            }
        }
    }
}

/// Takes one firing of the fault in `slot`, removing it when used up.
fn take<T: Copy>(slot: &mut Option<Armed<T>>) -> Option<T> {
    let armed = slot.as_mut()?;
    let (what, used_up) = armed.fire();
    if used_up {
        *slot = None;
    }
    Some(what)
}

/// The armed faults.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// HTTP status token requests get instead of a token.
    token: Option<Armed<u16>>,
    /// gRPC code calls of a method get instead of an answer.
    calls: HashMap<Method, Option<Armed<Code>>>,
    /// Uploads to cut after their first data chunk.
    cut_uploads: u32,
    /// How long the next upload stream stalls after its first data chunk.
    upload_stall: Option<Duration>,
}

impl Faults {
    /// Token requests answer `status` (for example 401 or 503) `times`.
    pub(crate) fn refuse_tokens(&mut self, status: u16, times: Times) {
        self.token = armed(status, times);
    }

    /// Calls of `method` fail with `code` `times`.
    pub(crate) fn fail_calls(&mut self, method: Method, code: Code, times: Times) {
        self.calls.insert(method, armed(code, times));
    }

    /// The next upload stream fails after its first data chunk.
    pub(crate) fn cut_next_upload(&mut self) {
        self.cut_uploads += 1;
    }

    /// The next upload stream waits `pause` after its first data chunk, then goes on.
    pub(crate) fn stall_next_upload(&mut self, pause: Duration) {
        self.upload_stall = Some(pause);
    }

    /// The status a token request gets instead of a token, if a fault fires.
    pub(crate) fn take_token(&mut self) -> Option<u16> {
        take(&mut self.token)
    }

    /// The code a call of `method` gets instead of an answer, if a fault fires.
    pub(crate) fn take_call(&mut self, method: Method) -> Option<Code> {
        take(self.calls.get_mut(&method)?)
    }

    /// Whether this upload is to be cut.
    pub(crate) fn take_upload_cut(&mut self) -> bool {
        let cut = self.cut_uploads > 0;
        self.cut_uploads = self.cut_uploads.saturating_sub(1);
        cut
    }

    /// How long this upload stalls after its first data chunk, if it is to.
    pub(crate) fn take_upload_stall(&mut self) -> Option<Duration> {
        self.upload_stall.take()
    }
}

/// `what` armed for `times`, or nothing for `Next(0)`.
fn armed<T>(what: T, times: Times) -> Option<Armed<T>> {
    (times != Times::Next(0)).then_some(Armed { what, times })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_for_the_next_two_calls_fires_twice() {
        let mut faults = Faults::default();
        faults.fail_calls(Method::GetTask, Code::Unavailable, Times::Next(2));
        assert_eq!(faults.take_call(Method::GetTask), Some(Code::Unavailable));
        assert_eq!(faults.take_call(Method::Hello), None);
        assert_eq!(faults.take_call(Method::GetTask), Some(Code::Unavailable));
        assert_eq!(faults.take_call(Method::GetTask), None);
    }

    #[test]
    fn an_always_fault_keeps_firing() {
        let mut faults = Faults::default();
        faults.refuse_tokens(503, Times::Always);
        for _ in 0..5 {
            assert_eq!(faults.take_token(), Some(503));
        }
    }
}
