//! Formatting the generated code: prettyplease, with the arguments of `ok_or_return!` laid out
//! as code.
//!
//! prettyplease formats the arguments of the standard library's macros, but prints those of any
//! other macro token by token, so that a decode step read `< i64 as ::tl_codec::Decode < 'a >>
//! ::decode(__r)`. Every such call is rewritten as a call of a function named like the macro
//! plus `_` (as long as the macro's name and `!`, so lines break where they will in the end),
//! formatted, and turned back into the macro in the text. The tokens rustc sees are the same.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprCall, ExprPath, Macro, MacroDelimiter, Stmt};

/// The macro whose arguments are formatted as an expression.
const MACRO: &str = "ok_or_return";
/// What a call of it is while prettyplease formats it.
const PLACEHOLDER: &str = "ok_or_return_(";
/// What that becomes in the text.
const RESTORED: &str = "ok_or_return!(";

/// `file` formatted by prettyplease, with `ok_or_return!`'s arguments formatted too.
pub(super) fn unparse(mut file: syn::File) -> String {
    MacroCalls.visit_file_mut(&mut file);
    restore(prettyplease::unparse(&file))
}

/// Rewrites `ok_or_return!(expr)` as `ok_or_return_(expr)`.
struct MacroCalls;

impl VisitMut for MacroCalls {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Macro(m) = e {
            if let Some(call) = as_call(&m.mac) {
                *e = call;
            }
        }
        visit_mut::visit_expr_mut(self, e);
    }

    fn visit_stmt_mut(&mut self, s: &mut Stmt) {
        if let Stmt::Macro(m) = s {
            if let Some(call) = as_call(&m.mac) {
                *s = Stmt::Expr(call, Some(m.semi_token.unwrap_or_default()));
            }
        }
        visit_mut::visit_stmt_mut(self, s);
    }
}

/// The placeholder call standing for `mac`, when it is `ok_or_return!(expr)`.
fn as_call(mac: &Macro) -> Option<Expr> {
    let last = mac.path.segments.last()?;
    if last.ident != MACRO || !matches!(mac.delimiter, MacroDelimiter::Paren(_)) {
        return None;
    }
    let arg: Expr = syn::parse2(mac.tokens.clone()).ok()?;
    let mut path = mac.path.clone();
    let name = format!("{MACRO}_");
    path.segments.last_mut()?.ident = syn::Ident::new(&name, last.ident.span());
    Some(Expr::Call(ExprCall {
        attrs: Vec::new(),
        func: Box::new(Expr::Path(ExprPath { attrs: Vec::new(), qself: None, path })),
        paren_token: Default::default(),
        args: std::iter::once(arg).collect(),
    }))
}

/// `text` with the placeholder calls made macro calls again. Comment lines (docs, which may
/// quote anything from a schema) are left as they are.
fn restore(text: String) -> String {
    if !text.contains(PLACEHOLDER) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("//") {
            out.push_str(line);
        } else {
            out.push_str(&line.replace(PLACEHOLDER, RESTORED));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_arguments_are_formatted_and_the_macro_kept() {
        let file: syn::File = syn::parse_quote! {
            fn f<'a>(__r: &mut R<'a>) -> Result<S> {
                ::tl_codec::ok_or_return!(::tl_codec::Reader::enter(__r));
                let __f0 = ::tl_codec::ok_or_return!(<i64 as ::tl_codec::Decode<'a>>::decode(__r));
                Ok(S(__f0))
            }
        };
        let text = unparse(file);
        assert!(text.contains("::tl_codec::ok_or_return!(::tl_codec::Reader::enter(__r));"), "{text}");
        assert!(
            text.contains(
                "let __f0 = ::tl_codec::ok_or_return!(<i64 as ::tl_codec::Decode<'a>>::decode(__r));"
            ),
            "{text}"
        );
        assert!(!text.contains(PLACEHOLDER), "{text}");
    }

    #[test]
    fn docs_quoting_the_placeholder_are_left_alone() {
        let file: syn::File = syn::parse_quote! {
            /// ok_or_return_(x)
            fn f() {}
        };
        assert!(unparse(file).contains("/// ok_or_return_(x)"));
    }
}
