//! A lesson's body as HTML: CommonMark with raw HTML dropped (never passed through), images
//! dropped, `lesson:ID` links pointing at the lesson's page and every other link reduced to
//! its text. Text and attributes are escaped by the renderer.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// The page of lesson `id`.
pub fn lesson_path(id: &str) -> String {
    format!("/learn/{id}")
}

/// `markdown` as HTML that is safe to put into a page as it is.
pub fn render(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // Links that are dropped drop their closing tag too: a stack of which ones were kept.
    let mut links: Vec<bool> = Vec::new();
    let mut in_image = 0usize;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        // An image's alternative text would be shown as text: dropped with the image.
        _ if in_image > 0 => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => match dest_url.strip_prefix("lesson:") {
            Some(lesson) => {
                links.push(true);
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url: CowStr::from(lesson_path(lesson)),
                    title,
                    id,
                }))
            }
            None => {
                links.push(false);
                None
            }
        },
        Event::End(TagEnd::Link) => links.pop().filter(|kept| *kept).map(|_| event),
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_dropped_and_text_escaped() {
        let html = render(
            "Hello <script>alert(1)</script> & <b>bold</b>\n\n<div onclick=\"x()\">block</div>\n\n2 < 3 \"q\"",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(html.contains("&amp;"), "{html}");
        assert!(html.contains("2 &lt; 3"), "{html}");
    }

    #[test]
    fn lesson_links_point_at_the_lesson_page_and_others_keep_only_their_text() {
        let html = render(
            "See [change](lesson:trust-in-change), [elsewhere](https://example.org) and [js](javascript:alert(1)) ![x](http://t/i.png)",
        );
        assert!(
            html.contains(r#"<a href="/learn/trust-in-change">change</a>"#),
            "{html}"
        );
        assert!(!html.contains("example.org"), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains("elsewhere"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn markdown_renders_headings_lists_and_emphasis() {
        let html = render("## Doing what you say\n\n- one *two*\n- **three**\n");
        assert!(html.contains("<h2>Doing what you say</h2>"), "{html}");
        assert!(html.contains("<li>one <em>two</em></li>"), "{html}");
        assert!(html.contains("<strong>three</strong>"), "{html}");
    }
}
