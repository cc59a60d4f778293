//! `#[sql_impl]`: the bounds that the SQL store's statements need, written once.
//!
//! The store is generic over its database (`SqlStore<DB>`), and sqlx states what a database
//! can do as bounds on other types (`i64: Encode<'q, DB>`, `&mut DB::Connection: Executor`),
//! which Rust does not carry from a trait to its users: every `impl` block of the store would
//! have to repeat them. This attribute adds them to the `impl` block it is put on, so that each
//! aggregate's module writes a plain, formatted `impl` and the list lives here alone.

#![forbid(unsafe_code)]

use proc_macro::TokenStream;
use quote::ToTokens;

/// Adds to an `impl<DB> … for SqlStore<DB>` block (inherent or of a trait) the bounds every
/// statement of the SQL store needs: `DB` is a `crate::sql::Backend` whose connections run
/// queries, and the values the store binds and reads (integers, text, numbers, bytes and their
/// options) are encoded and decoded by it. Put it before `#[async_trait]`.
#[proc_macro_attribute]
pub fn sql_impl(attribute: TokenStream, item: TokenStream) -> TokenStream {
    if !attribute.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[sql_impl] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut block = match syn::parse::<syn::ItemImpl>(item) {
        Ok(block) => block,
        Err(error) => return error.to_compile_error().into(),
    };
    let bounds: syn::WhereClause = syn::parse_quote! {
        where
            DB: crate::sql::Backend,
            for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
            for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
            for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
            for<'q> String: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
            for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
            for<'q> f64: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<f64>: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB>,
            for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB>,
            for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB>,
            for<'q> Option<&'q str>: sqlx::Encode<'q, DB>,
            for<'q> Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB> + sqlx::Type<DB>,
            for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Decode<'q, DB>,
            for<'n> &'n str: sqlx::ColumnIndex<DB::Row>,
            usize: sqlx::ColumnIndex<DB::Row>,
    };
    block
        .generics
        .make_where_clause()
        .predicates
        .extend(bounds.predicates);
    block.into_token_stream().into()
}
