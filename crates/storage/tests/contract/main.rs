//! The storage contract: what every backend behind [`Store`] must do, written once and run on
//! each backend.
//!
//! The tests are written in one file per aggregate of the store (`people.rs`, `campaigns.rs`,
//! `answers.rs`…), as `async fn(DynStore)`; what they share is in `helpers.rs`. `contract!`
//! below lists them all (`FILE::NAME`) and turns each into two tests, `sqlite::NAME` and
//! `postgres::NAME`, each with a fresh, empty database:
//! - the SQLite variant always runs, on a file in a temporary folder;
//! - the PostgreSQL variant is marked `#[ignore]`, so a plain `cargo test` reports it as
//!   *ignored* rather than passing it without a server. Run it with `-- --ignored` (only these)
//!   or `-- --include-ignored` (all) and `TRUSTLOOP_TEST_POSTGRES` set to a server URL such as
//!   the one `scripts/postgres start DIR` prints; each test then creates its own database
//!   `t_<random>` on that server. Asked to run without that variable, it fails and says why.
//!
//! Cargo cannot make `#[ignore]` depend on an environment variable without rebuilding the crate
//! whenever the variable changes, hence an ignore that is always there and a run-time check.

/// Turns each `async fn(DynStore)` named (`FILE::NAME`) into a test on SQLite (`sqlite::NAME`)
/// and one on PostgreSQL (`postgres::NAME`, ignored unless asked for), each on a fresh database.
macro_rules! contract {
    ($($aggregate:ident::$name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let fixture = crate::helpers::sqlite_fixture().await;
                    crate::$aggregate::$name(fixture.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: set TRUSTLOOP_TEST_POSTGRES and pass --ignored"]
                async fn $name() {
                    let fixture = crate::helpers::postgres_fixture().await;
                    crate::$aggregate::$name(fixture.store.clone()).await;
                }
            )*
        }
    };
}

mod accounts;
mod answers;
mod audit;
mod campaign_edits;
mod campaigns;
mod database;
mod disclosures;
mod feedback;
mod files;
mod helpers;
mod import_jobs;
mod instruments;
mod intake;
mod learning;
mod ledger;
mod outcomes;
mod people;
mod plans;
mod pulse;
mod rater_lists;
mod results;
mod safety;
mod segments;
mod upgrades;
// Breach repair.
mod repair;

contract!(
    accounts::a_session_lasts_until_it_expires_or_is_deleted,
    accounts::accounts_are_unique_by_email_and_found_by_email_or_id,
    accounts::sign_in_failures_are_counted_per_key_since_a_time_and_cleared,
    accounts::api_tokens_are_listed_newest_first_used_and_revoked_only_by_their_owner,
    accounts::a_password_link_works_once_before_it_expires_and_ends_the_users_sessions,
    answers::an_answer_is_accepted_once_and_counted_in_progress,
    answers::concurrent_answers_to_one_invitation_store_exactly_one_response,
    answers::a_campaign_that_is_not_open_or_past_its_deadline_refuses_answers,
    answers::a_form_sent_to_a_link_is_stored_only_when_the_link_is_open_and_the_answers_fit,
    answers::a_form_sent_to_a_link_says_what_became_of_it,
    answers::the_leaders_own_survey_is_found_by_campaign_and_leader,
    audit::audit_events_come_newest_first_in_pages,
    campaigns::a_new_campaign_is_a_draft_and_campaigns_are_listed_newest_first,
    campaigns::adding_a_leader_proposes_self_manager_and_direct_reports,
    campaigns::a_leader_added_twice_or_unknown_is_refused,
    campaigns::invitations_are_listed_by_leader_then_group_then_name,
    campaigns::issuing_links_covers_invitations_without_one_and_reissuing_voids_old_links,
    campaigns::links_issued_at_the_same_time_each_open_their_invitation,
    campaigns::a_campaign_moves_from_draft_to_open_to_closed_and_never_back,
    database::the_store_answers_its_health_check,
    import_jobs::an_import_job_records_its_progress_and_problems,
    instruments::built_in_instruments_are_registered_and_a_changed_version_is_refused,
    intake::bulk_loaded_answers_are_stored_exactly_as_answers_submitted_one_by_one,
    intake::answers_become_readable_only_in_batches_of_k_or_when_the_campaign_closes,
    intake::answers_committed_together_are_released_by_the_same_rule_as_answers_one_by_one,
    intake::at_close_small_groups_are_written_as_others_or_stay_sealed_as_the_report_would_show_them,
    people::an_import_adds_people_with_teams_managers_and_attributes,
    people::a_second_import_updates_known_people_and_replaces_their_attributes,
    people::an_import_that_closes_a_reporting_loop_is_refused_and_changes_nothing,
    people::a_large_import_crosses_batch_boundaries_and_reports_progress,
    people::people_are_listed_by_name_in_pages_and_found_by_name_or_email,
    rater_lists::a_nomination_is_not_invited_and_has_no_link_until_someone_else_approves_it,
    rater_lists::only_the_leaders_manager_or_an_admin_approves_and_never_the_nominator,
    rater_lists::the_reporting_lines_groups_are_never_changed_by_hand,
    rater_lists::a_nomination_is_refused_when_already_listed_or_the_campaign_is_not_a_draft,
    rater_lists::a_rater_is_removed_before_opening_by_the_nominator_the_approver_or_an_admin,
    rater_lists::every_change_to_a_rater_list_is_listed_for_its_leader_with_who_made_it,
    rater_lists::links_are_never_issued_to_whoever_nominated_or_approved_their_rater,
    rater_lists::a_manager_is_shown_the_nominations_awaiting_them,
    rater_lists::a_campaign_opening_while_raters_are_nominated_never_opens_with_one_awaiting,
    results::responses_come_back_per_leader_without_who_gave_them,
    results::campaign_responses_carry_the_leader_each_response_rates,
    results::team_sums_kept_up_to_date_always_equal_a_recomputation_from_the_answers,
    results::each_response_keeps_its_scores_and_a_closed_campaigns_context_is_stored_once,
    segments::attribute_values_list_everyones_attributes_with_few_enough_values,
    disclosures::the_history_keeps_each_population_of_a_campaign_once_with_its_first_day,
    disclosures::concurrent_decisions_on_one_campaign_each_see_the_others,
    learning::progress_is_kept_per_person_and_lesson_version,
    learning::a_reflection_is_read_back_only_for_its_own_person_and_lesson,
    learning::teams_are_counted_by_learners_read_and_passed,
    plans::a_plan_starts_once_from_a_closed_report_of_its_own_leader,
    plans::actions_are_checked_and_their_status_dated_when_it_changes,
    plans::a_manager_sees_only_shared_plans_and_admins_only_counts,
    ledger::a_commitment_is_refused_whole_when_its_date_or_recipients_are_wrong,
    ledger::every_change_is_kept_in_order_and_settled_ones_no_longer_change,
    ledger::a_link_confirms_once_and_only_for_the_revision_it_was_made_for,
    ledger::a_signed_in_recipient_confirms_once_and_nobody_else_can,
    ledger::a_teams_answers_count_only_from_k_and_are_kept_as_counts,
    ledger::the_organisation_figures_count_as_the_domain_counts,
    ledger::random_histories_are_counted_as_the_domain_counts_them,
    pulse::the_scheduler_opens_each_round_once_records_missed_ones_and_catches_up,
    pulse::two_servers_racing_to_open_a_round_open_it_once,
    pulse::answers_wait_sealed_until_the_team_has_k_and_a_link_answers_once,
    pulse::events_are_kept_per_team_and_figures_are_decided_once,
    pulse::bulk_loaded_pulse_answers_follow_the_same_rule_and_reads_filter_by_team_and_round,
    outcomes::outcomes_are_stored_whole_replaced_by_a_later_import_and_read_by_period,
    feedback::named_feedback_is_delivered_at_once_and_listed_for_its_sender,
    feedback::feedback_is_refused_to_oneself_someone_who_left_or_unknown_and_sent_once,
    feedback::anonymous_items_wait_until_k_senders_then_arrive_together_dated_by_week,
    feedback::a_batch_is_delivered_in_random_order,
    feedback::anonymous_items_sent_at_once_deliver_one_batch_and_one_form_once,
    feedback::only_the_receiver_marks_helpful_and_replies_to_named_items,
    feedback::requests_ask_people_or_a_team_and_leave_the_list_once_answered,
    feedback::admins_counts_are_by_team_with_senders_and_batches,
    repair::a_breach_is_refused_whole_when_its_words_day_or_people_are_wrong,
    repair::steps_are_kept_once_out_of_order_with_a_warning_and_amends_are_own_commitments,
    repair::recovery_rounds_open_on_schedule_once_and_anonymous_answers_wait_for_k,
    repair::fewer_than_k_affected_make_a_named_pulse_only_when_the_leader_accepts_it,
    repair::admins_count_open_and_closed_repairs_by_the_leaders_team,
    campaign_edits::a_campaign_is_renamed_and_its_deadline_moved_until_it_closes,
    campaign_edits::a_leader_is_taken_off_with_their_raters_until_someone_answers_for_them,
    campaign_edits::a_closed_campaign_reopens_within_the_window_until_a_result_is_read,
    import_jobs::the_latest_import_job_is_the_last_one_started,
    pulse::running_sums_of_team_rounds_give_the_scores_of_the_released_answers,
);
