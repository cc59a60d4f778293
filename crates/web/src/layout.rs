//! What every page shares: the header, with the signed-in user's name, navigation and the CSRF
//! token of its forms. Below the pages and the error page, which both show it.

/// What every page's header shows about the signed-in user.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The user's name, when signed in.
    pub user_name: Option<String>,
    /// Whether to show admin navigation.
    pub is_admin: bool,
    /// Whether to show leader navigation.
    pub has_person: bool,
    /// The CSRF token for forms on the page.
    pub csrf: String,
}
