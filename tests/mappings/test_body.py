"""Body cleaning: allow-list, wrappers unwrapped, Markdown hazards removed, footer, patch guard."""

from __future__ import annotations

import pytest
from diff_match_patch import diff_match_patch

from mappings.body import (
    PATCH_GUARD,
    clean_html,
    compose_body,
    looks_like_patch,
    render_footer,
)

SITE = "http://127.0.0.1:8088"


def clean(fragment: str) -> str:
    return clean_html(fragment, SITE).html


def test_gutenberg_and_plain_comments_are_removed() -> None:
    raw = "<!-- wp:paragraph -->\n<p>Hi<!-- note --></p>\n<!-- /wp:paragraph -->"
    assert "<!--" not in clean(raw)
    assert "Hi" in clean(raw)


def test_scripts_and_styles_are_dropped_and_iframes_become_links() -> None:
    raw = "<p>a</p><script>alert(1)</script><style>p{}</style><iframe src='/v/x'>fb</iframe>"
    assert clean(raw) == '<p>a</p><p><a href="http://127.0.0.1:8088/v/x">http://127.0.0.1:8088/v/x</a></p>'


def test_audio_and_video_become_links_without_their_fallback() -> None:
    raw = ('<audio controls src="https://a.example/x.mp3"><source src="https://a.example/x.mp3?_=1">'
           '<a href="https://a.example/x.mp3">fallback</a></audio>')
    assert clean(raw) == (
        '<p><a href="https://a.example/x.mp3">https://a.example/x.mp3</a><br>'
        '<a href="https://a.example/x.mp3?_=1">https://a.example/x.mp3?_=1</a></p>'
    )


def test_select_becomes_a_list_and_search_button_a_link() -> None:
    raw = ('<select><option value="">Pick</option><option value="https://s.example/2024/">Feb'
           '</option></select><form action="https://s.example/" method="get"><label '
           'class="screen-reader-text">Search</label><input name="s"><button>Go</button></form>')
    assert clean(raw) == ('<ul><li>Pick</li><li><a href="https://s.example/2024/">Feb</a></li></ul>'
                          '<div><a href="https://s.example/">Go</a> </div>')


def test_captions_quotes_and_code_like_tags_keep_their_meaning() -> None:
    raw = ("<figure><img src='https://i.example/a.jpg'><figcaption>Cap</figcaption></figure>"
           "<p><q>hi</q> <s>old</s> <kbd>Ctrl</kbd> <cite>Book</cite></p>")
    assert clean(raw) == ('<img src="https://i.example/a.jpg"><p><em>Cap</em></p>'
                          "<p>\u201chi\u201d <del>old</del> <code>Ctrl</code> <em>Book</em></p>")


def test_raw_shortcodes_fall_back_to_markup() -> None:
    raw = ('[caption id="attachment_1" width="300"]<img src="https://i.example/a.jpg"> A cap'
           '[/caption][embed]https://v.example/1[/embed][gallery ids="1,2"][audio src="/x.mp3"]')
    body = clean_html(raw, SITE)
    assert "[" not in body.html
    assert '<img src="https://i.example/a.jpg">' in body.html and "<em>A cap</em>" in body.html
    assert body.links == ["https://v.example/1", "http://127.0.0.1:8088/x.mp3"]
    assert any("[gallery]" in note for note in body.notes)


def test_relative_links_resolve_against_the_permalink() -> None:
    body = clean_html('<a href="#note-1">1</a><a href="?page=2">2</a>', SITE,
                      "http://127.0.0.1:8088/2024/02/post/")
    assert body.links == ["http://127.0.0.1:8088/2024/02/post/#note-1",
                          "http://127.0.0.1:8088/2024/02/post/?page=2"]


def test_wrappers_are_unwrapped_and_styling_attributes_removed() -> None:
    raw = (
        '<section class="Powered-by-XIUMI V5" style="margin:0"><span style="color:red" '
        'data-x="1" onclick="evil()"><font color="red">Text</font></span></section>'
        '<div id="d"><p class="x" style="font-size: 12px">Para</p></div>'
    )
    assert clean(raw) == "Text<div><p>Para</p></div>"


def test_kept_elements_and_attributes() -> None:
    raw = (
        '<h2>H</h2><center><img class="rich_pages" src="http://h/i.jpg?x=1&amp;y=2" alt="A" '
        'title="T" width="10" height="20" style="x"></center><table><tr><td>c</td></tr></table>'
        "<pre><code>x</code></pre><blockquote>q</blockquote><ul><li>l</li></ul>"
    )
    cleaned = clean(raw)
    assert (
        '<img src="http://h/i.jpg?x=1&amp;y=2" alt="A" title="T">' in cleaned
    )
    for fragment in ("<h2>H</h2>", "<center>", "<table>", "<td>c</td>", "<pre><code>x</code></pre>",
                     "<blockquote>q</blockquote>", "<li>l</li>"):  # fmt: skip
        assert fragment in cleaned


def test_urls_are_absolutized_and_javascript_links_dropped() -> None:
    body = clean_html(
        '<a href="/about">A</a><img src="wp-content/x.png"><a href="javascript:alert(1)">J</a>'
        '<img src="data:image/png;base64,AAAA"><a href="//cdn.example.com/y">Y</a>',
        SITE,
    )
    assert 'href="http://127.0.0.1:8088/about"' in body.html
    assert 'src="http://127.0.0.1:8088/wp-content/x.png"' in body.html
    assert "javascript" not in body.html and "data:" not in body.html
    assert body.images == ["http://127.0.0.1:8088/wp-content/x.png"]
    assert body.links == ["http://127.0.0.1:8088/about", "http://cdn.example.com/y"]


def test_empty_paragraphs_are_removed() -> None:
    raw = '<p style="font-size: 12px"></p><p>&nbsp;</p><p> <br/> </p><p><span></span></p><p>x</p>'
    assert clean(raw) == "<p>x</p>"


def test_no_line_starts_with_spaces_outside_pre() -> None:
    raw = "<div>\n        <p>indented</p>\n\t\t<p>tabbed</p>   \n</div><pre>    code\n        more</pre>"
    cleaned = clean(raw)
    assert "<p>indented</p>\n<p>tabbed</p>" in cleaned
    assert "<pre>    code\n        more</pre>" in cleaned
    outside_pre = cleaned.split("<pre>")[0]
    assert all(not line.startswith((" ", "\t")) for line in outside_pre.split("\n"))


def test_body_with_only_markup_is_empty() -> None:
    assert clean_html("<p>&nbsp;</p><!-- x --><script>y</script>", SITE).is_empty
    assert not clean_html('<img src="/a.png">', SITE).is_empty


def test_footer_keeps_template_markup_and_escapes_values() -> None:
    template = "<hr/><p><a href='[%original_link%]'>[%title%]</a> on [%site_name%]</p>"
    footer = render_footer(template, "http://x/?a=1&b='2'", "Fish & <Chips>", "Site")
    assert footer == (
        "<hr/><p><a href='http://x/?a=1&amp;b=&#x27;2&#x27;'>Fish &amp; &lt;Chips&gt;</a>"
        " on Site</p>"
    )


def test_footer_is_byte_identical_on_every_remap() -> None:
    template = "  \n<hr/><p>[%site_name%]</p>   \n\n"
    first_clean = clean_html("<p>Body</p>\n\n\n", SITE)
    footer = render_footer(template, "http://x/", "T", "Site")
    first, _ = compose_body(first_clean, footer)
    again, _ = compose_body(
        clean_html("<p>Body</p>\n\n\n", SITE), render_footer(template, "http://x/", "T", "Site")
    )
    assert first == again == "<p>Body</p>\n<hr/><p>Site</p>"
    assert first.count("<hr/>") == 1


PATCH_BODIES = [
    "@@ -1,3 +1,3 @@\n-abc\n+abd",
    "@@ -1 +1 @@\n-a\n+b\n\n@@ -5,2 +5,2 @@\n-cd\n+ef",
]


@pytest.mark.parametrize("raw", PATCH_BODIES)
@pytest.mark.parametrize("body_format", ["html", "markdown"])
def test_patch_looking_body_is_neutralized(raw: str, body_format: str) -> None:
    cleaned = clean_html(raw, SITE)
    assert looks_like_patch(cleaned.html)  # the danger is real after cleaning
    # html bodies get wrapped in a block tag, markdown escapes "+"; the guard catches the rest.
    body, _notes = compose_body(cleaned, footer="", body_format=body_format)
    parser = diff_match_patch()
    # Python's parser and the C++ one steemd uses (which skips blank lines) both reject it.
    for candidate in (body, "\n".join(line for line in body.split("\n") if line)):
        with pytest.raises(ValueError):
            parser.patch_fromText(candidate)
    assert not looks_like_patch(body)


def test_html_body_is_one_markdown_html_block() -> None:
    body, _ = compose_body(clean_html("<p>a</p>\n\n<pre>x\n\ny</pre>\n\nloose *text*", SITE),
                           footer="<center>f</center>")
    assert body == "<p>a</p>\n<pre>x\n&#10;y</pre>\nloose *text*\n<center>f</center>"
    assert compose_body(clean_html("text", SITE), footer="")[0] == "<div>\ntext\n</div>"


def test_blank_line_before_patch_is_still_detected() -> None:
    # steemd's C++ parser skips empty lines, so "\n@@ ..." would still be applied as a patch.
    assert looks_like_patch("\n@@ -1,3 +1,3 @@\n-abc\n+abd")


def test_ordinary_body_is_not_touched() -> None:
    body, notes = compose_body(clean_html("<p>@@ not a patch @@</p>", SITE), footer="<hr/>")
    assert not body.startswith(PATCH_GUARD) and notes == []
