//! Two catalogues, zh-CN (default) and en. The stable error code is the key of its message, so no
//! user-facing sentence lives in Rust code.

use axum::http::HeaderMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::OnceLock;

pub const LANG_COOKIE: &str = "hmj_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::VariantArray)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Every language we answer in, complete by construction.
    pub const ALL: &'static [Lang] = <Self as strum::VariantArray>::VARIANTS;
}

impl Lang {
    pub const fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    pub fn parse(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Self::ZhCn)
        } else if tag.starts_with("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    pub const fn other(self) -> Self {
        match self {
            Self::ZhCn => Self::En,
            Self::En => Self::ZhCn,
        }
    }

    /// The remembered choice (cookie) wins; then the browser's Accept-Language; then Chinese.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        cookie_value(headers, LANG_COOKIE)
            .and_then(|v| Self::parse(&v))
            .or_else(|| accept_language(headers))
            .unwrap_or(Self::ZhCn)
    }

    pub fn t(self, key: &str) -> &'static str {
        let catalogue = match self {
            Self::ZhCn => &catalogues().0,
            Self::En => &catalogues().1,
        };
        catalogue.get(key).copied().unwrap_or("?")
    }
}

impl Lang {
    /// An audit entry in this language: its event's text (`audit.event.<event>`) with each
    /// `{name}` filled in once from `params` (a value that itself holds braces stays as it is);
    /// an entry from before events keeps the text it was written with.
    pub fn audit_text(self, event: &str, params: &BTreeMap<String, String>, written: &str) -> String {
        if event.is_empty() {
            return written.to_owned();
        }
        let template = match self.t(&format!("audit.event.{event}")) {
            // An event this build has no words for still shows what it holds.
            "?" => {
                let values: Vec<String> = params.iter().map(|(name, value)| format!("{name}={value}")).collect();
                return format!("{event} {}", values.join(" "));
            }
            known => known,
        };
        let mut text = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            text.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}').map(|close| (&after[..close], close)) {
                Some((name, close)) if params.contains_key(name) => {
                    text.push_str(&params[name]);
                    rest = &after[close + 1..];
                }
                _ => {
                    text.push('{');
                    rest = after;
                }
            }
        }
        text.push_str(rest);
        text
    }

    /// Each entry's summary of an audit page in this language, from its event and values.
    pub fn put_into_words(self, page: &mut hongmajia_services::audit::AuditPage) {
        for entry in &mut page.entries {
            entry.summary = self.audit_text(&entry.event, &entry.params, &entry.summary);
        }
    }
}

/// The first language of Accept-Language that we have (quality values are in preference order
/// in practice, so the order of the header is used).
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(axum::http::header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    value
        .split(',')
        .filter_map(|part| part.split(';').next())
        .find_map(Lang::parse)
}

/// A cookie's value from the request headers.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    axum_extra::extract::CookieJar::from_headers(headers)
        .get(name)
        .map(|cookie| cookie.value().to_owned())
}

type Catalogue = HashMap<String, &'static str>;

fn catalogues() -> &'static (Catalogue, Catalogue) {
    static CATALOGUES: OnceLock<(Catalogue, Catalogue)> = OnceLock::new();
    CATALOGUES.get_or_init(|| {
        (
            load(include_str!("../locales/zh-CN.json")),
            load(include_str!("../locales/en.json")),
        )
    })
}

fn load(json: &'static str) -> Catalogue {
    let parsed: HashMap<String, String> = serde_json::from_str(json).expect("a locale catalogue is valid JSON");
    parsed
        .into_iter()
        .map(|(key, value)| (key, &*Box::leak(value.into_boxed_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hongmajia_domain::ErrorCode;

    #[test]
    fn a_cookie_is_read_by_its_exact_name_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            axum::http::header::COOKIE,
            "hmj_lang=en; hmj_session_x=no".parse().unwrap(),
        );
        headers.append(axum::http::header::COOKIE, "hmj_session=abc123".parse().unwrap());
        assert_eq!(cookie_value(&headers, "hmj_session").as_deref(), Some("abc123"));
        assert_eq!(cookie_value(&headers, "hmj_lang").as_deref(), Some("en"));
        assert_eq!(cookie_value(&headers, "hmj"), None);
    }

    /// The Rust and template files under a folder.
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                out.push(path);
            }
        }
    }

    /// Every message key the templates and the code write out (as the argument of `c.t` or
    /// `lang.t`) names a message of both catalogues.
    #[test]
    fn every_key_the_pages_and_code_ask_for_is_in_both_catalogues() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        files(&root.join("src"), &mut paths);
        files(&root.join("templates"), &mut paths);
        let mut asked = 0;
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices(".t(\"") {
                let rest = &text[at + 4..];
                let key = &rest[..rest.find('"').unwrap()];
                asked += 1;
                for &lang in Lang::ALL {
                    assert_ne!(lang.t(key), "?", "{key} ({}) in {lang:?}", path.display());
                }
            }
        }
        assert!(asked > 250, "the scan found the keys ({asked})");
    }

    /// Every value of the states and kinds the pages show by `c.keyed(prefix, value)` reads in
    /// both catalogues.
    #[test]
    fn every_state_and_kind_the_pages_show_reads_in_both_catalogues() {
        use hongmajia_domain::activity::{ActivityKind, ActivityState, NotificationKind, SignupState};
        use hongmajia_domain::project::ProjectState;
        use hongmajia_domain::record::{CorrectionState, FlagKind, RecordSource, RecordState, VersionAction};
        use hongmajia_domain::team::{MembershipState, TeamKind, TeamRole, TeamState};
        fn keys<T: std::fmt::Display>(prefix: &str, values: &[T]) -> Vec<String> {
            values.iter().map(|value| format!("{prefix}.{value}")).collect()
        }
        let shown = [
            keys("activity.kind", ActivityKind::ALL),
            keys("activity.state", ActivityState::ALL),
            keys("anomaly", FlagKind::ALL),
            keys("correction.state", CorrectionState::ALL),
            keys("member.state", MembershipState::ALL),
            keys("notice", NotificationKind::ALL),
            keys("project.state", ProjectState::ALL),
            keys("record.source", RecordSource::ALL),
            keys("record.state", RecordState::ALL),
            keys("record.action", VersionAction::ALL),
            keys("signup.state", SignupState::ALL),
            keys("team.kind", TeamKind::ALL),
            keys("team.role", TeamRole::ALL),
            keys("team.state", TeamState::ALL),
        ];
        for key in shown.iter().flatten() {
            for &lang in Lang::ALL {
                assert_ne!(lang.t(key), "?", "{key} in {lang:?}");
            }
        }
    }

    /// Every audit event the services write reads in both languages, with a place for each of
    /// its values and for no other.
    #[test]
    fn every_audit_event_has_a_text_with_its_values_in_both_catalogues() {
        let services = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../services/src");
        let mut paths = Vec::new();
        files(&services, &mut paths);
        let mut events = 0;
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("event!(") {
                let call = &text[at + "event!(".len()..];
                let Some(call) = call.trim_start().strip_prefix('"') else {
                    continue; // the macro's own definition
                };
                let key = &call[..call.find('"').unwrap()];
                // The call's arguments: up to the parenthesis that closes it.
                let mut depth = 1;
                let end = call
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += i32::from(c == '(') - i32::from(c == ')');
                        depth == 0
                    })
                    .map_or(call.len(), |(i, _)| i);
                let mut names: Vec<&str> = call[key.len() + 1..end]
                    .split(',')
                    .filter_map(|part| part.split_once('=').map(|(name, _)| name.trim()))
                    .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty())
                    .collect();
                names.sort_unstable();
                names.dedup();
                events += 1;
                for &lang in Lang::ALL {
                    let message = lang.t(&format!("audit.event.{key}"));
                    assert_ne!(message, "?", "audit.event.{key} in {lang:?} ({})", path.display());
                    let mut placed: Vec<&str> = message
                        .split('{')
                        .skip(1)
                        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
                        .collect();
                    placed.sort_unstable();
                    placed.dedup();
                    assert_eq!(placed, names, "the places of audit.event.{key} in {lang:?}");
                }
            }
        }
        assert!(events > 50, "the scan found the events ({events})");
    }

    #[test]
    fn an_audit_text_fills_each_place_once_and_keeps_old_entries_as_written() {
        let params: BTreeMap<String, String> = [
            ("volunteer".to_owned(), "{reason}".to_owned()),
            ("reason".to_owned(), "伪造签到".to_owned()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            Lang::En.audit_text("record.rejected", &params, ""),
            "rejected the record of volunteer {reason}: 伪造签到",
            "a value that looks like a place is not filled in again"
        );
        assert_eq!(
            Lang::ZhCn.audit_text("record.rejected", &params, ""),
            "驳回了志愿者 {reason} 的记录：伪造签到"
        );
        assert_eq!(Lang::En.audit_text("", &params, "renamed A → B"), "renamed A → B");
    }

    /// A code nothing raises is a message nobody reads, or a refusal that was forgotten.
    #[test]
    fn every_error_code_is_raised_somewhere() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut paths = Vec::new();
        for name in ["domain", "store", "services", "web", "cli"] {
            files(&crates.join(name).join("src"), &mut paths);
        }
        // Where every code is named by definition: its list and its status.
        let defining = ["domain/src/error.rs", "web/src/error.rs"];
        let text: String = paths
            .iter()
            .filter(|p| !defining.iter().any(|d| p.ends_with(d)))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        for code in ErrorCode::ALL {
            let named = format!("ErrorCode::{code:?}");
            assert!(text.contains(&named), "nothing raises {code}");
        }
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let (zh, en) = catalogues();
        let mut zh_keys: Vec<_> = zh.keys().collect();
        let mut en_keys: Vec<_> = en.keys().collect();
        zh_keys.sort();
        en_keys.sort();
        assert_eq!(zh_keys, en_keys);
    }

    #[test]
    fn every_error_code_has_a_message_in_every_language() {
        for code in ErrorCode::ALL {
            for &lang in Lang::ALL {
                assert_ne!(lang.t(&format!("error.{code}")), "?", "{code} in {lang:?}");
            }
        }
    }

    #[test]
    fn the_remembered_choice_beats_the_browser_language() {
        let mut headers = HeaderMap::new();
        headers.insert("accept-language", "en-US,en;q=0.9".parse().unwrap());
        assert_eq!(Lang::from_headers(&headers), Lang::En);
        headers.insert("cookie", "a=b; hmj_lang=zh-CN".parse().unwrap());
        assert_eq!(Lang::from_headers(&headers), Lang::ZhCn);
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::ZhCn);
    }
}
