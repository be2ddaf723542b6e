//! The v1 envelope: the 5-byte header `C1ZF\0`, then one zstd frame holding the
//! SQLite database file, to end of file.

use std::fs::File;
use std::io::{self, Read, Write};

use crate::error::{Error, Result};

/// The first five bytes of a v1 (SQLite) `.c1z`.
pub const V1_HEADER: &[u8; 5] = b"C1ZF\0";
/// The first five bytes of a v3 (Pebble) `.c1z`, which this crate does not read.
pub const V3_HEADER: &[u8; 5] = b"C1Z3\0";

/// Largest zstd window the reader accepts, as a power of two: 128 MiB, as the SDK.
const MAX_WINDOW_LOG: u32 = 27;
/// Bytes moved per read/write call while (de)compressing.
const CHUNK: usize = 1 << 20;

/// Writes the header and the zstd compression of `db` (all `db_len` bytes) to
/// `out`: one frame at `level`, with the content size and a checksum, as the Go
/// writer produces. The database is streamed, never held in memory whole.
pub(crate) fn write_c1z(db: &mut File, db_len: u64, out: &mut File, level: i32) -> Result<()> {
    out.write_all(V1_HEADER)?;
    let mut encoder = zstd::stream::write::Encoder::new(out, level)?;
    encoder.include_checksum(true)?;
    encoder.include_contentsize(true)?;
    encoder.set_pledged_src_size(Some(db_len))?;
    let copied = copy_chunked(&mut db.take(db_len), &mut encoder)?;
    if copied != db_len {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "database file shrank").into());
    }
    encoder.finish()?;
    Ok(())
}

/// Checks the header of `c1z` and decompresses its database into `out`,
/// failing once more than `max_decoded` bytes come out. Returns the database size.
pub(crate) fn read_c1z(c1z: &mut File, out: &mut File, max_decoded: u64) -> Result<u64> {
    let mut header = [0u8; 5];
    let got = read_up_to(c1z, &mut header)?;
    if &header == V3_HEADER {
        return Err(Error::UnsupportedFormat(
            "v3 (Pebble); only v1 (SQLite) is supported",
        ));
    }
    if got < header.len() || &header != V1_HEADER {
        return Err(Error::NotC1z(header[..got].to_vec()));
    }
    let mut decoder = zstd::stream::read::Decoder::new(c1z)?;
    decoder.window_log_max(MAX_WINDOW_LOG)?;
    // One byte past the limit tells "exactly at the limit" from "over it".
    let written = copy_chunked(&mut decoder.take(max_decoded + 1), out)?;
    if written > max_decoded {
        return Err(Error::TooLarge { limit: max_decoded });
    }
    Ok(written)
}

/// Fills `buf` as far as the reader allows; returns how many bytes were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// `io::copy` with a 1 MiB buffer, so zstd sees large blocks.
fn copy_chunked(reader: &mut impl Read, writer: &mut impl Write) -> io::Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        writer.write_all(&buf[..n])?;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Seek;

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.rewind().unwrap();
        file
    }

    fn round_trip(payload: &[u8], max_decoded: u64) -> Result<Vec<u8>> {
        let mut db = file_with(payload);
        let mut c1z = tempfile::tempfile().unwrap();
        write_c1z(&mut db, payload.len() as u64, &mut c1z, 3)?;
        c1z.rewind()?;
        let mut out = tempfile::tempfile().unwrap();
        read_c1z(&mut c1z, &mut out, max_decoded)?;
        out.rewind()?;
        let mut back = Vec::new();
        out.read_to_end(&mut back)?;
        Ok(back)
    }

    #[test]
    fn compressed_bytes_decompress_to_the_original() {
        let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(round_trip(&payload, 10 << 20).unwrap(), payload);
    }

    #[test]
    fn output_is_the_header_then_one_frame_with_content_size() {
        let payload = b"hello c1z".repeat(1000);
        let mut db = file_with(&payload);
        let mut c1z = tempfile::tempfile().unwrap();
        write_c1z(&mut db, payload.len() as u64, &mut c1z, 3).unwrap();
        c1z.rewind().unwrap();
        let mut bytes = Vec::new();
        c1z.read_to_end(&mut bytes).unwrap();
        assert_eq!(&bytes[..5], V1_HEADER);
        let frame = &bytes[5..];
        assert_eq!(
            zstd::zstd_safe::get_frame_content_size(frame).unwrap(),
            Some(payload.len() as u64)
        );
        assert_eq!(
            zstd::zstd_safe::find_frame_compressed_size(frame).unwrap(),
            frame.len()
        );
    }

    #[test]
    fn decoded_size_above_the_limit_is_refused() {
        let payload = vec![7u8; 4096];
        assert!(matches!(round_trip(&payload, 4096), Ok(back) if back == payload));
        assert!(matches!(
            round_trip(&payload, 4095),
            Err(Error::TooLarge { limit: 4095 })
        ));
    }

    #[test]
    fn other_headers_are_rejected() {
        let mut out = tempfile::tempfile().unwrap();
        let err = read_c1z(&mut file_with(b"C1Z3\0rest"), &mut out, 100).unwrap_err();
        assert!(matches!(err, Error::UnsupportedFormat(_)));
        let err = read_c1z(&mut file_with(b"SQLite format 3"), &mut out, 100).unwrap_err();
        assert!(matches!(err, Error::NotC1z(h) if h == b"SQLit"));
        let err = read_c1z(&mut file_with(b"C1"), &mut out, 100).unwrap_err();
        assert!(matches!(err, Error::NotC1z(h) if h == b"C1"));
    }
}
