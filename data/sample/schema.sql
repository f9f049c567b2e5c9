CREATE TABLE access_log(access_id VARCHAR, member_id VARCHAR, patient_id VARCHAR, accessed_at TIMESTAMP WITH TIME ZONE, "action" VARCHAR);
CREATE TABLE communication_preferences(preference_id VARCHAR, patient_id VARCHAR, channel VARCHAR, "rule" VARCHAR, effective_at TIMESTAMP WITH TIME ZONE, ended_at TIMESTAMP WITH TIME ZONE);
CREATE TABLE complaints(complaint_id VARCHAR, patient_id VARCHAR, received_at TIMESTAMP WITH TIME ZONE, channel VARCHAR, topic VARCHAR, regulator VARCHAR, resolved_at TIMESTAMP WITH TIME ZONE, outcome VARCHAR);
CREATE TABLE consent_events(event_id VARCHAR, patient_id VARCHAR, channel VARCHAR, purpose VARCHAR, "action" VARCHAR, "method" VARCHAR, occurred_at TIMESTAMP WITH TIME ZONE, processed_at TIMESTAMP WITH TIME ZONE, source_message_id VARCHAR);
CREATE TABLE disclosures(disclosure_id VARCHAR, patient_id VARCHAR, disclosed_at TIMESTAMP WITH TIME ZONE, recipient_name VARCHAR, recipient_address VARCHAR, recipient_type VARCHAR, purpose VARCHAR, data_categories VARCHAR, description VARCHAR, authorization_id VARCHAR, vendor_id VARCHAR);
CREATE TABLE encounters(encounter_id VARCHAR, patient_id VARCHAR, started_at TIMESTAMP WITH TIME ZONE);
CREATE TABLE incidents(incident_id VARCHAR, discovered_at TIMESTAMP WITH TIME ZONE, occurred_at TIMESTAMP WITH TIME ZONE, category VARCHAR, "location" VARCHAR, description VARCHAR, computerized BOOLEAN, assessed_at TIMESTAMP WITH TIME ZONE, determination VARCHAR, individuals_affected INTEGER, ca_residents_affected INTEGER, largest_state_residents INTEGER, law_enforcement_hold_until DATE, individuals_notified_at TIMESTAMP WITH TIME ZONE, hhs_notified_at TIMESTAMP WITH TIME ZONE, media_notified_at TIMESTAMP WITH TIME ZONE, ag_notified_at TIMESTAMP WITH TIME ZONE, cdph_notified_at TIMESTAMP WITH TIME ZONE);
CREATE TABLE messages(message_id VARCHAR, patient_id VARCHAR, channel VARCHAR, direction VARCHAR, purpose VARCHAR, body VARCHAR, campaign_id VARCHAR, sent_at TIMESTAMP WITH TIME ZONE);
CREATE TABLE notice_acknowledgments(acknowledgment_id VARCHAR, patient_id VARCHAR, notice_version VARCHAR, recorded_at TIMESTAMP WITH TIME ZONE, status VARCHAR);
CREATE TABLE patients(patient_id VARCHAR, state VARCHAR, time_zone VARCHAR);
CREATE TABLE records(record_id VARCHAR, patient_id VARCHAR, record_class VARCHAR, created_at TIMESTAMP WITH TIME ZONE, last_activity_at TIMESTAMP WITH TIME ZONE, birth_date DATE, legal_hold BOOLEAN, disposed_at TIMESTAMP WITH TIME ZONE);
CREATE TABLE requests(request_id VARCHAR, patient_id VARCHAR, regime VARCHAR, request_type VARCHAR, channel VARCHAR, received_at TIMESTAMP WITH TIME ZONE, acknowledged_at TIMESTAMP WITH TIME ZONE, verified_at TIMESTAMP WITH TIME ZONE, extended_at TIMESTAMP WITH TIME ZONE, extension_reason VARCHAR, closed_at TIMESTAMP WITH TIME ZONE, outcome VARCHAR, denial_reason VARCHAR);
CREATE TABLE restrictions(restriction_id VARCHAR, patient_id VARCHAR, requested_at TIMESTAMP WITH TIME ZONE, decision VARCHAR, decided_at TIMESTAMP WITH TIME ZONE, recipient_type VARCHAR, purpose VARCHAR, self_pay BOOLEAN, ended_at TIMESTAMP WITH TIME ZONE);
CREATE TABLE training(training_id VARCHAR, member_id VARCHAR, course VARCHAR, completed_on DATE);
CREATE TABLE vendors(vendor_id VARCHAR, "name" VARCHAR, baa_signed_on DATE, baa_ended_on DATE);
CREATE TABLE workforce(member_id VARCHAR, "role" VARCHAR, hired_on DATE, terminated_on DATE, patient_id VARCHAR);

