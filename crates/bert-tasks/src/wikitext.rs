//! WikiText files (`wiki.*.tokens`, `wiki.*.raw`) as documents of sentences, the input of
//! BERT pre-training (Google's `create_pretraining_data.py` wants one sentence per line, a
//! blank line between documents; this reads WikiText's own layout into that shape).
//!
//! The layout: ` = Title = ` opens an article (level-1 heading), ` = = Section = = ` and deeper
//! are sections inside it, every other non-blank line is a paragraph, and blank lines separate
//! them. A heading always stands between blank lines; that is checked too, because a few
//! paragraph lines of formulas also start and end with `=` (` = 1 <unk> and <unk> C = ` in
//! `wiki.test.tokens`, which would otherwise open two bogus articles: 62 instead of 60). The text is pre-tokenized: tokens are space separated, numbers are split as
//! `1 @,@ 000 @.@ 5`, hyphenated words as `red @-@ tipped`, and (in `.tokens`) rare words are
//! `<unk>`.
//!
//! Choices, all to give BERT text that looks like the raw text it will see later:
//! - Headings are not text: they are dropped from the sentences and from the tokenizer's
//!   training lines (they would teach `=` pieces and title fragments that never occur in input).
//! - `@-@`, `@,@`, `@.@` are joined back (`1,000.5`, `red-tipped`), as the usual WikiText
//!   detokenizers do; BERT's pre-tokenizer splits punctuation again anyway, but it would keep
//!   the `@` as tokens of their own.
//! - `<unk>` becomes `[UNK]` in sentences (the tokenizer matches special tokens in raw text, so
//!   it encodes to the unknown id, one token where the article had one word) and is dropped from
//!   tokenizer training lines (where `[UNK]` would be split into `[`, `unk`, `]` and counted).

/// One article: its title and its sentences in order (paragraph breaks are not kept, as in
/// Google's one-sentence-per-line input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The level-1 heading, detokenized; empty for text before the first heading.
    pub title: String,
    /// Sentences, detokenized, never empty.
    pub sentences: Vec<String>,
}

/// The tokens that end a sentence when they stand alone. WikiText writes sentence-final
/// punctuation as its own token (`end .`), while abbreviations (`H.`, `U.S.`) and decimal
/// points (`@.@`) stay inside other tokens, so a whole-token match needs no abbreviation list.
const SENTENCE_ENDS: [&str; 3] = [".", "!", "?"];

/// Splits a WikiText file into articles. See the module documentation for what is kept.
pub fn read_wikitext_documents(text: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut current = Document {
        title: String::new(),
        sentences: Vec::new(),
    };
    let lines: Vec<&str> = text.lines().collect();
    for i in 0..lines.len() {
        match heading_at(&lines, i) {
            Some((1, title)) => {
                let finished = std::mem::replace(
                    &mut current,
                    Document {
                        title,
                        sentences: Vec::new(),
                    },
                );
                if !finished.sentences.is_empty() {
                    docs.push(finished);
                }
            }
            Some(_) => {}
            None => current.sentences.extend(split_sentences(lines[i])),
        }
    }
    if !current.sentences.is_empty() {
        docs.push(current);
    }
    docs
}

/// The paragraphs of a WikiText file as tokenizer training text: headings and blank lines
/// dropped, numbers and hyphens joined, `<unk>` removed (see the module documentation).
pub fn wikitext_training_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len())
        .filter(|&i| heading_at(&lines, i).is_none())
        .map(|i| detokenize(lines[i].split_whitespace(), None))
        .filter(|line| !line.is_empty())
        .collect()
}

/// [`heading`] of `lines[i]` when the lines around it are blank (or absent).
fn heading_at(lines: &[&str], i: usize) -> Option<(usize, String)> {
    let blank = |j: Option<usize>| {
        j.and_then(|j| lines.get(j))
            .is_none_or(|l| l.trim().is_empty())
    };
    if blank(i.checked_sub(1)) && blank(Some(i + 1)) {
        heading(lines.get(i)?)
    } else {
        None
    }
}

/// `Some((level, title))` for a heading line: `level` `=` tokens on each side of the title
/// (` = Title = ` is 1, ` = = Section = = ` is 2).
fn heading(line: &str) -> Option<(usize, String)> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let level = tokens.iter().take_while(|t| **t == "=").count();
    let trailing = tokens.iter().rev().take_while(|t| **t == "=").count();
    if level == 0 || level != trailing || tokens.len() <= 2 * level {
        return None;
    }
    let title = detokenize(tokens[level..tokens.len() - level].iter().copied(), None);
    Some((level, title))
}

/// Sentences of one paragraph line: a sentence ends after a stand-alone `.`, `!` or `?` that
/// is followed by another token. Anything after the last end (a paragraph without final
/// punctuation, a list item) is a sentence too. Blank lines give none.
fn split_sentences(line: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut tokens = line.split_whitespace().peekable();
    let mut current: Vec<&str> = Vec::new();
    while let Some(token) = tokens.next() {
        current.push(token);
        if SENTENCE_ENDS.contains(&token) && tokens.peek().is_some() {
            sentences.push(detokenize(current.drain(..), Some("[UNK]")));
        }
    }
    if !current.is_empty() {
        sentences.push(detokenize(current.into_iter(), Some("[UNK]")));
    }
    sentences.retain(|s| !s.is_empty());
    sentences
}

/// Joins WikiText tokens with spaces, gluing `@-@`, `@,@`, `@.@` to both neighbours and
/// replacing `<unk>` by `unk` (or dropping it when `None`).
fn detokenize<'a>(tokens: impl Iterator<Item = &'a str>, unk: Option<&str>) -> String {
    let mut out = String::new();
    let mut glue_next = false;
    for token in tokens {
        let token = match token {
            "<unk>" => match unk {
                Some(u) => u,
                None => continue,
            },
            t => t,
        };
        if let Some(inner) = glued_symbol(token) {
            out.push_str(inner);
            glue_next = true;
            continue;
        }
        if !out.is_empty() && !glue_next {
            out.push(' ');
        }
        out.push_str(token);
        glue_next = false;
    }
    out
}

/// `-` for `@-@`, `,` for `@,@`, `.` for `@.@`.
fn glued_symbol(token: &str) -> Option<&str> {
    match token {
        "@-@" | "@,@" | "@.@" => Some(&token[1..2]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "
 = Homarus gammarus = 

 Homarus gammarus is a species of <unk> lobster . It is closely related to H. americanus . It may grow to 0 @.@ 7 m and 1 @,@ 000 g !

 = = Description = = 

 The spines are red @-@ tipped . Why ?
 A list item without an end

 = = = Deeper = = = 

 = Second article = 

 Only one sentence here .
";

    #[test]
    fn articles_sections_and_sentences() {
        let docs = read_wikitext_documents(SAMPLE);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].title, "Homarus gammarus");
        assert_eq!(
            docs[0].sentences,
            vec![
                "Homarus gammarus is a species of [UNK] lobster .",
                "It is closely related to H. americanus .",
                "It may grow to 0.7 m and 1,000 g !",
                "The spines are red-tipped .",
                "Why ?",
                "A list item without an end",
            ]
        );
        assert_eq!(docs[1].title, "Second article");
        assert_eq!(docs[1].sentences, vec!["Only one sentence here ."]);
    }

    #[test]
    fn headings_by_level() {
        assert_eq!(heading(" = Title = "), Some((1, "Title".into())));
        assert_eq!(heading(" = = A @-@ B = = "), Some((2, "A-B".into())));
        assert_eq!(heading(" = = = C = = = "), Some((3, "C".into())));
        // Not headings: an equation, an unbalanced line, a bare `=`.
        assert_eq!(heading(" x = y "), None);
        assert_eq!(heading(" = = Broken = "), None);
        assert_eq!(heading(" = "), None);
        assert_eq!(heading(" = = "), None);
    }

    #[test]
    fn formula_lines_between_text_are_not_headings() {
        let text = "\n = Filter = \n\n Plots of a prototype\n = 1 <unk> and C = \n 1 H .\n";
        let docs = read_wikitext_documents(text);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].sentences[1], "= 1 [UNK] and C =");
        assert_eq!(wikitext_training_lines(text).len(), 3);
    }

    #[test]
    fn text_before_the_first_heading_is_a_document() {
        let docs = read_wikitext_documents(" Orphan text .\n\n = T = \n\n Body .\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].title, "");
        assert_eq!(docs[0].sentences, vec!["Orphan text ."]);
        assert!(read_wikitext_documents("\n \n = Empty = \n\n").is_empty());
    }

    #[test]
    fn training_lines_skip_headings_and_unk() {
        let lines = wikitext_training_lines(SAMPLE);
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("Homarus gammarus is a species of lobster ."));
        assert!(lines.iter().all(|l| !l.contains('=') && !l.contains("unk")));
    }
}
