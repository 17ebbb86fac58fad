//! The only door to SQL text. Every statement handed to the database is a
//! `&'static str` — text written in this source, never built at run time — and
//! every value travels as a bound parameter. The compiler enforces it: nothing
//! a request carries can become a `&'static str`, and `tests/sql.rs` checks that
//! no other module calls `sqlx::query*`, `QueryBuilder` or `raw_sql` directly.

use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Database, Encode, FromRow, QueryBuilder, Type};

/// A statement with `?` placeholders.
pub fn query<'q, DB: Database>(sql: &'static str) -> Query<'q, DB, DB::Arguments<'q>> {
    sqlx::query(sql)
}

/// A statement whose rows decode into `O`.
pub fn query_as<'q, DB, O>(sql: &'static str) -> QueryAs<'q, DB, O, DB::Arguments<'q>>
where
    DB: Database,
    O: for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_as(sql)
}

/// A statement whose rows are one value of type `O`.
pub fn query_scalar<'q, DB, O>(sql: &'static str) -> QueryScalar<'q, DB, O, DB::Arguments<'q>>
where
    DB: Database,
    (O,): for<'r> FromRow<'r, DB::Row>,
{
    sqlx::query_scalar(sql)
}

/// A statement assembled from fixed pieces and bound values (for optional
/// filters): it can only grow by `&'static str` text and by parameters.
pub struct Builder<'args, DB: Database> {
    inner: QueryBuilder<'args, DB>,
}

impl<DB: Database> std::fmt::Debug for Builder<'_, DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder").field("sql", &self.inner.sql()).finish()
    }
}

impl<'args, DB: Database> Builder<'args, DB>
where
    DB::Arguments<'args>: Default,
{
    /// Starts with fixed text.
    #[must_use]
    pub fn new(sql: &'static str) -> Self {
        Self { inner: QueryBuilder::new(sql) }
    }

    /// Appends fixed text.
    pub fn push(&mut self, sql: &'static str) -> &mut Self {
        self.inner.push(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'args + Encode<'args, DB> + Type<DB>,
    {
        self.inner.push_bind(value);
        self
    }

    /// Appends `(?, ?, ...)` with one placeholder per value; `(NULL)` when
    /// there are none, so `x IN (...)` matches nothing instead of failing.
    pub fn push_bind_list<T, I>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: 'args + Encode<'args, DB> + Type<DB>,
    {
        self.inner.push("(");
        let mut any = false;
        for value in values {
            if any {
                self.inner.push(", ");
            }
            self.inner.push_bind(value);
            any = true;
        }
        self.inner.push(if any { ")" } else { "NULL)" });
        self
    }

    /// The statement, ready to run.
    pub fn build(&mut self) -> Query<'_, DB, DB::Arguments<'args>> {
        self.inner.build()
    }

    /// The statement, for rows that decode into `O`.
    pub fn build_query_as<O>(&mut self) -> QueryAs<'_, DB, O, DB::Arguments<'args>>
    where
        O: for<'r> FromRow<'r, DB::Row>,
    {
        self.inner.build_query_as()
    }

    /// The statement, for a one-value result.
    pub fn build_query_scalar<O>(&mut self) -> QueryScalar<'_, DB, O, DB::Arguments<'args>>
    where
        DB: Database,
        (O,): for<'r> FromRow<'r, DB::Row>,
    {
        self.inner.build_query_scalar()
    }
}
