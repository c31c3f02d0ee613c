//! Renderers: each a function from `&Report` to text. Rendering never re-runs probes.

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;
