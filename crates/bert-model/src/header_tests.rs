//! Each bad header named in the bad-input issue, and the message it must give.

use super::*;

/// A safetensors buffer: the 8-byte length, the header, then `data` bytes.
fn file(header: &str, data: usize) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.resize(bytes.len() + data, 0);
    bytes
}

fn message(bytes: &[u8]) -> String {
    match safetensors_keys(bytes, "model.safetensors") {
        Ok(keys) => panic!("accepted, with keys {keys:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_valid_header_gives_its_names() {
    let h = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},
        "b":{"dtype":"I64","shape":[1],"data_offsets":[24,32]}}"#;
    let header = safetensors_header(&file(h, 32), "m").unwrap();
    let mut keys = header.keys;
    keys.sort();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(header.elements, 7);
}

#[test]
fn a_git_lfs_pointer_says_to_pull() {
    let pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 90868376\n";
    assert!(
        message(pointer).contains("run `git lfs pull`"),
        "{}",
        message(pointer)
    );
}

#[test]
fn header_lengths_past_the_limit_or_the_file_are_refused_before_allocating() {
    let mut huge = u64::MAX.to_le_bytes().to_vec();
    huge.extend_from_slice(b"{}");
    assert!(message(&huge).contains("header length 18446744073709551615 is over"));
    let mut past = 1000u64.to_le_bytes().to_vec();
    past.extend_from_slice(b"{}");
    assert!(message(&past).contains("header length 1000 runs past the end of the file (10 bytes)"));
    assert!(message(b"abc").contains("3 bytes, shorter than the 8-byte header length"));
}

#[test]
fn each_entry_is_checked_against_the_data() {
    let cases = [
        (
            r#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#,
            "unknown dtype \"Q4\"",
        ),
        (
            r#"{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#,
            "stored as F16",
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,400]}}"#,
            "not within the 16 bytes",
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[8,4]}}"#,
            "[8, 4] are not within",
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#,
            "is 12 bytes, but",
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[18446744073709551615,2],"data_offsets":[0,8]}}"#,
            "shape's size overflows",
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            "holds -1, not a whole",
        ),
        (
            r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#,
            "has 1 numbers, not 2",
        ),
        (
            r#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#,
            "no `dtype` string",
        ),
        (r#"{"a":[1,2]"#, "header: EOF"),
    ];
    for (header, expected) in cases {
        let m = message(&file(header, 16));
        assert!(m.contains(expected), "{header}: {m}");
        assert!(
            m.starts_with("model.safetensors: not a valid safetensors file"),
            "{m}"
        );
    }
}

#[test]
fn the_file_reader_gives_the_same_verdicts() {
    let dir = std::env::temp_dir().join(format!("bert-header-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    std::fs::write(&path, b"version https://git-lfs.github.com/spec/v1\n").unwrap();
    let lfs = safetensors_file_header(&path).unwrap_err().to_string();
    assert!(lfs.contains("git lfs pull"), "{lfs}");
    std::fs::write(&path, u64::MAX.to_le_bytes()).unwrap();
    let huge = safetensors_file_header(&path).unwrap_err().to_string();
    assert!(huge.contains("over safetensors' limit"), "{huge}");
    let h = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    std::fs::write(&path, file(h, 8)).unwrap();
    assert_eq!(safetensors_file_header(&path).unwrap().keys, ["a"]);
    std::fs::write(&path, file(h, 4)).unwrap();
    let short = safetensors_file_header(&path).unwrap_err().to_string();
    assert!(short.contains("not within the 4 bytes"), "{short}");
    std::fs::remove_dir_all(&dir).unwrap();
}
