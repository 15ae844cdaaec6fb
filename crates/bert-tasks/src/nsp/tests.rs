use super::*;

const CLS: u32 = 2;
const SEP: u32 = 3;

/// A corpus whose tokens say where they come from: token = 10 + (doc << 8 | sentence).
fn corpus(n_docs: usize, n_sentences: usize, seed: u64) -> Vec<TokenizedDocument> {
    let mut rng = SplitMix64::new(seed);
    (0..n_docs)
        .map(|d| {
            (0..n_sentences)
                .map(|s| vec![10 + ((d << 8) | s) as u32; rng.range_inclusive(3, 15)])
                .collect()
        })
        .collect()
}

fn origin(token: u32) -> (u32, u32) {
    ((token - 10) >> 8, (token - 10) & 255)
}

/// A and B of an instance, checking the `[CLS] A [SEP] B [SEP]` layout on the way.
fn segments(inst: &NspInstance) -> (&[u32], &[u32]) {
    let ids = &inst.input_ids;
    assert_eq!(ids.len(), inst.token_type_ids.len());
    assert_eq!(ids[0], CLS);
    assert_eq!(ids.last(), Some(&SEP));
    let seps: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] == SEP).collect();
    assert_eq!(seps.len(), 2, "{ids:?}");
    let first_sep = seps[0];
    assert!(
        first_sep >= 2 && first_sep + 2 < ids.len(),
        "A and B non-empty"
    );
    for (i, &t) in inst.token_type_ids.iter().enumerate() {
        assert_eq!(t, u32::from(i > first_sep), "type id at {i}");
    }
    (&ids[1..first_sep], &ids[first_sep + 1..ids.len() - 1])
}

#[test]
fn instances_have_the_bert_layout() {
    let opts = NspOptions::new(CLS, SEP);
    let docs = corpus(50, 40, 1);
    let instances = build_nsp_instances(&docs, &opts, &mut SplitMix64::new(2)).unwrap();
    assert!(instances.len() > 150, "{}", instances.len());
    for inst in &instances {
        assert!(inst.input_ids.len() <= opts.max_seq_length);
        segments(inst);
        assert!(inst.next_sentence_label <= 1);
    }
    // Most sequences fill the budget; short_seq_prob = 0.1 gives some short ones.
    let full = instances
        .iter()
        .filter(|i| i.input_ids.len() >= 120)
        .count();
    assert!(full * 2 > instances.len(), "{full} of {}", instances.len());
    assert!(instances.iter().any(|i| i.input_ids.len() < 60));
}

#[test]
fn next_segments_follow_and_random_ones_come_from_elsewhere() {
    let opts = NspOptions {
        max_seq_length: 64,
        ..NspOptions::new(CLS, SEP)
    };
    let docs = corpus(200, 30, 3);
    let instances = build_nsp_instances(&docs, &opts, &mut SplitMix64::new(4)).unwrap();
    for inst in &instances {
        let (a, b) = segments(inst);
        let doc_a = origin(a[0]).0;
        assert!(a.iter().all(|&t| origin(t).0 == doc_a), "A is one document");
        let last_a = a.iter().map(|&t| origin(t).1).max();
        let first_b = b.iter().map(|&t| origin(t).1).min();
        let same_doc = b.iter().all(|&t| origin(t).0 == doc_a);
        if inst.next_sentence_label == 0 {
            assert!(same_doc && first_b > last_a, "B continues A: {inst:?}");
        } else {
            assert!(b.iter().all(|&t| origin(t).0 != doc_a), "B from elsewhere");
        }
    }
}

fn random_next_rate(nsp_probability: f64) -> f64 {
    let opts = NspOptions {
        max_seq_length: 64,
        short_seq_prob: 0.0,
        nsp_probability,
        ..NspOptions::new(CLS, SEP)
    };
    let docs = corpus(400, 60, 5);
    let instances = build_nsp_instances(&docs, &opts, &mut SplitMix64::new(6)).unwrap();
    assert!(instances.len() > 3000, "{}", instances.len());
    let random = instances.iter().filter(|i| i.next_sentence_label == 1);
    random.count() as f64 / instances.len() as f64
}

#[test]
fn about_half_are_random_next() {
    // ~3,500 pairs: one standard deviation is 0.85 points; the one-sentence chunks that can
    // only be random add about one point.
    let rate = random_next_rate(0.5);
    assert!((rate - 0.5).abs() < 0.035, "random-next rate {rate}");
    // The coin is what sets it: 0 leaves only the one-sentence chunks, 1 makes all random.
    assert!(random_next_rate(0.0) < 0.05);
    assert_eq!(random_next_rate(1.0), 1.0);
}

#[test]
fn truncation_cuts_the_longer_side_at_both_ends() {
    let a: Vec<u32> = (0..100).collect();
    let b: Vec<u32> = (100..130).collect();
    let mut rng = SplitMix64::new(7);
    let (mut cut_front, mut cut_back) = (false, false);
    for _ in 0..20 {
        let (ta, tb) = truncate_seq_pair(&a, &b, 61, &mut rng);
        assert_eq!((ta.len(), tb), (31, b.as_slice()));
        assert!(
            a.windows(ta.len()).any(|w| w == ta),
            "a contiguous piece of A"
        );
        cut_front |= ta[0] > 0;
        cut_back |= ta[30] < 99;
    }
    assert!(cut_front && cut_back);
    let (ta, tb) = truncate_seq_pair(&a[..5], &b[..5], 61, &mut rng);
    assert_eq!((ta.len(), tb.len()), (5, 5), "short pairs are left alone");
}

#[test]
fn same_seed_same_instances_and_bad_lengths_rejected() {
    let opts = NspOptions::new(CLS, SEP);
    let docs = corpus(10, 20, 8);
    let run = |seed| build_nsp_instances(&docs, &opts, &mut SplitMix64::new(seed)).unwrap();
    assert_eq!(run(9), run(9));
    assert_ne!(run(9), run(10));
    let tiny = NspOptions {
        max_seq_length: 4,
        ..opts
    };
    assert!(build_nsp_instances(&docs, &tiny, &mut SplitMix64::new(0)).is_err());
    let empty: Vec<TokenizedDocument> = vec![vec![], vec![vec![]]];
    let none = build_nsp_instances(&empty, &NspOptions::new(CLS, SEP), &mut SplitMix64::new(0));
    assert!(none.unwrap().is_empty());
}

#[test]
fn tokenize_documents_drops_empty_sentences_and_documents() {
    let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n.\n";
    let tokenizer = BertTokenizer::from_vocab(vocab, true).unwrap();
    let doc = |sentences: &[&str]| Document {
        title: String::new(),
        sentences: sentences.iter().map(|s| s.to_string()).collect(),
    };
    let docs = [
        doc(&["The cat .", " ", "the [UNK] dog"]),
        doc(&["\u{0}"]),
        doc(&["cat"]),
    ];
    let out = tokenize_documents(&tokenizer, &docs).unwrap();
    assert_eq!(out, vec![vec![vec![5, 6, 7], vec![5, 1, 1]], vec![vec![6]]]);
}
