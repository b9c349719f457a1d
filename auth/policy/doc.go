// Package policy is the Casbin part of Kiln's access decision, which is
// Casbin ∧ SMART scopes ∧ patient compartment: this package says which
// roles and principals may do what to which resource types in which
// tenant; auth/scope and the compartment check narrow it further.
//
// A request is (subject, tenant, resource type, action, label class):
//
//   - subject: a principal id ("client:abc", "user:https://idp.example|123",
//     "apikey:k1") or a role its credential asserts ("clinician"). Decide
//     takes all of a principal's subjects; roles are also given to
//     subjects per tenant by assignments (Casbin g rules: g, user:…|123,
//     clinician, default), or in every tenant with tenant "*".
//   - tenant: the Casbin domain. Rules for tenant "*" apply in every
//     tenant; a role assigned in one tenant gives nothing in another.
//   - resource type: an R4 type, matched by rules naming it, its type
//     group (Casbin g2 rules: g2, Observation, clinical) or "*".
//   - action: read (read, vread, instance history), search (search, type
//     and system history), create, update (update, patch), delete,
//     operation; "*" in a rule matches any.
//   - label class, from the resource's meta.security: restricted
//     (v3-Confidentiality R or V), else redacted (v3-ObservationValue
//     REDACTED, ANONYED or PSEUDED), else normal. A rule's label "*"
//     grants normal and redacted but never restricted: restricted data
//     needs a rule that names it. A deny with label "*" denies all three.
//
// Any matching deny, for any of the principal's subjects, beats every
// allow. Decide answers with the set of classes allowed (Labels), and
// Labels.Filter turns it into the store query restriction that a search
// adds, so reads and searches are filtered by class in the database.
//
// Rules live in Kiln's store (store.Records, kind "casbin") through
// Adapter. Other processes (`kiln policy …` while the server runs) change
// them there, so every change also writes a new generation record, which
// an Engine checks at most every Options.RefreshEvery and reloads on.
//
// # Defaults
//
// SeedDefaults stores these rules, all for tenant "*", when no rule was
// ever stored. The type groups are clinical (patient-level data: Patient,
// Observation, Condition, Encounter, MedicationRequest, DocumentReference,
// Binary, Provenance, Task, Claim, … — every R4 type of the Patient
// compartment except Group, Schedule and AuditEvent, plus Binary and
// GuidanceResponse), admin-data (Organization, Practitioner,
// PractitionerRole, Location, Device, HealthcareService, Endpoint, Group,
// Schedule, Slot, Medication, Substance, Questionnaire, ValueSet,
// CodeSystem, …) and audit (AuditEvent); DefaultTypeGroups lists them.
//
//	role         types                   actions                        labels
//	admin        *                       *                              * and restricted (all)
//	clinician    clinical                read, search, create, update   * (normal, redacted)
//	clinician    admin-data              read, search                   *
//	analyst      clinical, admin-data    read, search                   redacted only
//	integration  clinical, admin-data    create, update, read, search   *
//	auditor      audit, Provenance       read, search                   *
//
// Nothing else is granted: only admin may delete, run operations, or see
// restricted resources, and only admin and auditor may read AuditEvent.
// Nobody is denied updating or deleting AuditEvent here; the FHIR engine
// refuses that for everyone.
package policy
