//! Formatting the generated code: prettyplease, with the arguments of `ok_or_return!` laid out
//! as code.
//!
//! prettyplease formats the arguments of the standard library's macros, but prints those of any
//! other macro token by token, so that a decode step read `< i64 as ::tl_codec::Decode < 'a >>
//! ::decode(__r)`. Every such call is rewritten as a call of a placeholder function whose name is
//! as long as the macro's name and `!` (so lines break where they will in the end), formatted,
//! and turned back into the macro in the text. The tokens rustc sees are the same. Should the
//! placeholder's name appear anywhere else in the text (in a doc a user's type attribute
//! adds, say), the item is printed as prettyplease prints it alone.

use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprCall, ExprPath, Macro, MacroDelimiter, Stmt};

/// The macro whose arguments are formatted as an expression.
const MACRO: &str = "ok_or_return";
/// The name of the placeholder function: as long as `ok_or_return!`.
const PLACEHOLDER_NAME: &str = "__tl_okorret_";
/// What a call of the macro is while prettyplease formats it.
const PLACEHOLDER: &str = "__tl_okorret_(";
/// What that becomes in the text.
const RESTORED: &str = "ok_or_return!(";

/// `file` formatted by prettyplease, with `ok_or_return!`'s arguments formatted too.
pub(super) fn unparse(mut file: syn::File) -> String {
    let mut calls = MacroCalls(0);
    calls.visit_file_mut(&mut file);
    let text = prettyplease::unparse(&file);
    if calls.0 == 0 {
        return text;
    }
    if text.matches(PLACEHOLDER).count() != calls.0 {
        Placeholders.visit_file_mut(&mut file);
        return prettyplease::unparse(&file);
    }
    text.replace(PLACEHOLDER, RESTORED)
}

/// Turns the placeholder calls back into `ok_or_return!` calls.
struct Placeholders;

impl VisitMut for Placeholders {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        visit_mut::visit_expr_mut(self, e);
        let Expr::Call(call) = e else { return };
        let Expr::Path(func) = &*call.func else { return };
        if func.path.segments.last().is_none_or(|s| s.ident != PLACEHOLDER_NAME) {
            return;
        }
        let mut path = func.path.clone();
        if let Some(last) = path.segments.last_mut() {
            last.ident = syn::Ident::new(MACRO, last.ident.span());
        }
        let args = &call.args;
        *e = Expr::Macro(syn::ExprMacro {
            attrs: Vec::new(),
            mac: Macro {
                path,
                bang_token: Default::default(),
                delimiter: MacroDelimiter::Paren(Default::default()),
                tokens: quote::quote!(#args),
            },
        });
    }
}

/// Rewrites `ok_or_return!(expr)` as a placeholder call, counting them.
struct MacroCalls(usize);

impl VisitMut for MacroCalls {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if let Expr::Macro(m) = e {
            if let Some(call) = as_call(&m.mac) {
                *e = call;
                self.0 += 1;
            }
        }
        visit_mut::visit_expr_mut(self, e);
    }

    fn visit_stmt_mut(&mut self, s: &mut Stmt) {
        if let Stmt::Macro(m) = s {
            if let Some(call) = as_call(&m.mac) {
                *s = Stmt::Expr(call, Some(m.semi_token.unwrap_or_default()));
                self.0 += 1;
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
    path.segments.last_mut()?.ident = syn::Ident::new(PLACEHOLDER_NAME, last.ident.span());
    Some(Expr::Call(ExprCall {
        attrs: Vec::new(),
        func: Box::new(Expr::Path(ExprPath { attrs: Vec::new(), qself: None, path })),
        paren_token: Default::default(),
        args: std::iter::once(arg).collect(),
    }))
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
    fn text_holding_the_placeholder_elsewhere_is_printed_plainly() {
        let file: syn::File = syn::parse_quote! {
            /** see
            __tl_okorret_(x) */
            fn f() -> Result<()> {
                ::tl_codec::ok_or_return!(g());
                Ok(())
            }
        };
        let text = unparse(file);
        assert!(text.contains("__tl_okorret_(x)"), "{text}");
        assert!(text.contains("::tl_codec::ok_or_return!(g())"), "{text}");
    }
}
