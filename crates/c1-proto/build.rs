//! Generates the prost/tonic code from the `.proto` files in the workspace's
//! `proto/` folder, parsing them with protox (no system `protoc` needed).

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let mut files = Vec::new();
    collect_protos(&proto_root, &proto_root, &mut files)?;
    files.sort();

    let fds = protox::compile(&files, [&proto_root])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("file_descriptor_set.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;

    let mut config = prost_build::Config::new();
    // BTreeMap keeps map fields in key order, so encoding is deterministic and
    // matches the Go SDK's deterministic marshaling byte for byte.
    config
        .btree_map(["."])
        .enable_type_names()
        .type_name_domain(["."], "type.googleapis.com");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Server methods a fake does not implement answer UNIMPLEMENTED.
        .generate_default_stubs(true)
        .compile_fds_with_config(fds, config)?;

    println!("cargo:rerun-if-changed={}", proto_root.display());
    Ok(())
}

/// Collects every `.proto` file under `dir`, as paths relative to `root`.
fn collect_protos(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            out.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
    Ok(())
}
