//! Settings with a few named values (palette, scale, window, …): one trait
//! gives each its names, which links carry (`url_state`) and the page's
//! menus offer (`ui`), so a value is named in one place, next to its type.

/// A setting with a few named values.
pub trait Choice: Copy + PartialEq + 'static {
    /// Every value, in menu order.
    const ALL: &'static [Self];
    /// The value's name in links and in the page's menus' values.
    fn id(self) -> &'static str;
    /// Its name shown in menus.
    fn label(self) -> &'static str {
        self.id()
    }
    /// The value named `id`, if any.
    fn from_id(id: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.id() == id)
    }
}
