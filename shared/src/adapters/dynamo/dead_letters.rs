//! Emails the outbox gave up on (`OUTBOX#dead` on GSI1), for the admins' view. Keys are in
//! `infra/TABLE.md`.

use super::{BadCursor, OUTBOX_DEAD, Page, Store};
use crate::domain::records::OutboxMessage;

impl Store {
    /// Dead-lettered emails, most recently given up first (GSI1 sorts them by the time of
    /// their last planned attempt), a page at a time.
    pub async fn list_dead_letters(
        &self,
        cursor: Option<&str>,
        limit: i32,
    ) -> anyhow::Result<Result<Page<OutboxMessage>, BadCursor>> {
        self.query_page_in_order(
            Some("GSI1"),
            OUTBOX_DEAD,
            "",
            cursor,
            limit,
            false,
            "Failed to list dead-lettered emails",
        )
        .await
    }
}
