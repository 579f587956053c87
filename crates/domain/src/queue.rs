//! States of the work queued for later: text messages in the outbox, and jobs.

use crate::text::text_enum;

text_enum! {
    pub enum SmsState {
        Queued,
        Sent,
        Failed,
    }
}

text_enum! {
    pub enum JobState {
        Pending,
        Done,
    }
}
