"""The one wording of what is illustrative: the page notice, the download note and their citations."""

from icsdash import notices


def test_the_notice_counts_what_is_illustrative_and_cites_what_is_published(reference):
    text = notices.notice(reference, demo_scores=True, short=False)
    n = int((reference.places["source"] == "illustrative").sum())
    assert f"{n} of {len(reference.places)} place definitions" in text
    assert "Assessment scores are illustrative demo data." in text
    published = notices.published_pcns(reference)
    assert published.startswith("NHS England") and notices.escape_markdown(published) in text
    assert notices.pcns_illustrative(reference) == "no PCNs"                  # every PCN is NHS England's
    assert ", no PCNs" not in text


def test_short_notice_and_note_agree(reference):
    short = notices.notice(reference, demo_scores=False, short=True)
    note = notices.illustrative_note(reference, demo_scores=False, short=True)
    assert short == f":material/info: **{notices.escape_markdown(note)}**"
    assert "demo" not in note and note.startswith("Illustrative data: invented ")
