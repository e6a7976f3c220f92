// The England model's care pathway: states, events, causes of death and the risk
// windows that follow transitions. Numbering is part of the results layout.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace averted::england {

enum State : std::uint8_t {
  kNotInContact,   // using, no contact with services
  kHarmReduction,  // using, in contact with outreach or needle exchange, not on OST
  kWaiting,        // referred to treatment, no place yet (only when capacity binds)
  kOst,            // opioid substitution treatment (the first 4 weeks are induction)
  kDoseReduction,  // tapering on OST, chosen or forced
  kResidential,    // inpatient detox or residential rehabilitation
  kRecovery,       // completed treatment, abstinent
  kPrison,
  kDead,
  kCeased,      // stopped using for good; still alive, so still at risk of other causes
  kEmigrated,   // left England
  kStateCount
};

enum Event : std::uint8_t {
  kFatalOverdose,
  kNonFatalOverdose,
  kDeathLiver,
  kDeathCopd,
  kDeathSuicide,
  kDeathOther,
  kOutreachContact,   // not in contact -> harm reduction
  kLoseContact,       // harm reduction -> not in contact
  kStartOst,          // self-referral or referral by outreach -> OST
  kOstDropout,        // unplanned exit from OST
  kStartReduction,    // chosen taper
  kForcedReduction,   // time-limited prescribing or target-driven discharge
  kReductionComplete, // taper completed -> recovery (planned exit)
  kReductionFailed,   // taper abandoned -> not in contact
  kStartResidential,  // from OST
  kResidentialComplete,
  kResidentialDropout,
  kRelapse,           // recovery -> not in contact
  kImprisoned,
  kReleased,
  kCessation,
  kEmigration,
  kHcvInfection,      // chronic hepatitis C infection while injecting
  kHcvDiagnosis,      // tested and diagnosed
  kHcvCure,           // treated with direct-acting antivirals and cured
  kLiverDisease,      // advanced liver disease
  kCopdOnset,         // COPD diagnosis
  kSedativesStart,    // co-prescribed benzodiazepines or gabapentinoids
  kSedativesStop,
  kNaloxoneKit,       // receives a take-home naloxone kit in the community
  kLeaveWaitingList,  // gives up waiting for a treatment place
  kEventCount
};

enum Cause : std::uint8_t { kCauseDrug, kCauseLiver, kCauseCopd, kCauseSuicide, kCauseOther, kCauseCount };

// Where a person was on the pathway, with the risk window they were in: the
// "pathway" dimension of deaths. Windows take precedence over the state they are in.
enum Pathway : std::uint8_t {
  kPwNotInContact,
  kPwHarmReduction,
  kPwWaiting,
  kPwOstFirst4Weeks,
  kPwOst,
  kPwDoseReduction,
  kPwResidential,
  kPwRecovery,
  kPwPrison,
  kPwLeftTreatment4Weeks,
  kPwReleasedWeeks1to2,
  kPwReleasedWeeks3to4,
  kPwRelapsed4Weeks,
  kPwCeased,
  kPathwayCount
};

// Costs are reported by commissioning lever or service.
enum CostItem : std::uint8_t {
  kCostOst, kCostResidential, kCostOutreach, kCostNaloxone, kCostHcvTests, kCostHcvTreatment,
  kCostReleaseLinkage, kCostInductionSupport, kCostRetentionSupport, kCostHealthCare,
  kCostCaseManagement, kCostItemCount
};
inline constexpr std::array<std::string_view, kCostItemCount> kCostItemNames = {
    "ost_treatment", "residential", "outreach", "naloxone_kits", "hcv_tests", "hcv_treatment",
    "release_linkage", "induction_support", "retention_support", "health_care", "case_management"};

// People alive with each condition, counted at each census.
enum Condition : std::uint8_t {
  kHcvUndiagnosed, kHcvDiagnosed, kHcvCured, kLiverDiseaseCondition, kCopd, kSedatives,
  kMentalHealth, kNaloxoneHeld, kCaseManaged, kInjecting, kConditionCount
};
inline constexpr std::array<std::string_view, kConditionCount> kConditionNames = {
    "hcv_chronic_undiagnosed", "hcv_chronic_diagnosed", "hcv_cured", "advanced_liver_disease",
    "copd", "sedatives", "mental_health_condition", "naloxone_kit_held", "case_managed", "injecting"};

// Take-home naloxone: kits supplied by channel, and kits used at an overdose.
enum NaloxoneFlow : std::uint8_t { kKitTreatment, kKitOutreach, kKitPharmacyPeer, kKitPrisonRelease, kKitUsed, kNaloxoneFlowCount };
inline constexpr std::array<std::string_view, kNaloxoneFlowCount> kNaloxoneFlowNames = {
    "supplied_treatment", "supplied_outreach", "supplied_pharmacy_peer", "supplied_prison_release", "used"};

// Services with shared capacity, and what is recorded about each every step.
enum Service : std::uint8_t { kServiceOst, kServiceResidential, kServiceCount };
inline constexpr std::array<std::string_view, kServiceCount> kServiceNames = {"ost_places", "residential_places"};
enum ServiceMeasure : std::uint8_t {
  kPlaceYearsAvailable,  // capacity x time (0 when unlimited)
  kPlaceYearsUsed,       // occupied places x time
  kWaitingPersonYears,   // people on the waiting list x time
  kAdmittedFromList,     // people given a place from the list
  kYearsWaited,          // total wait of those admitted (mean wait = this / admitted)
  kOverCapacityAdmissions,  // admissions that left more people than places (always 0)
  kServiceMeasureCount
};
inline constexpr std::array<std::string_view, kServiceMeasureCount> kServiceMeasureNames = {
    "place_years_available", "place_years_used", "waiting_person_years", "admitted_from_list",
    "years_waited", "over_capacity_admissions"};

inline constexpr std::array<std::string_view, kStateCount> kStateNames = {
    "not_in_contact", "harm_reduction", "waiting", "ost", "dose_reduction", "residential",
    "recovery", "prison", "dead", "ceased", "emigrated"};
inline constexpr std::array<std::string_view, kEventCount> kEventNames = {
    "fatal_overdose", "nonfatal_overdose", "death_liver", "death_copd", "death_suicide",
    "death_other", "outreach_contact", "lose_contact", "start_ost", "ost_dropout",
    "start_reduction", "forced_reduction", "reduction_complete", "reduction_failed",
    "start_residential", "residential_complete", "residential_dropout", "relapse",
    "imprisoned", "released", "cessation", "emigration", "hcv_infection", "hcv_diagnosis",
    "hcv_cure", "liver_disease", "copd_onset", "sedatives_start", "sedatives_stop", "naloxone_kit",
    "leave_waiting_list"};
inline constexpr std::array<std::string_view, kCauseCount> kCauseNames = {
    "drug_poisoning", "liver", "copd_respiratory", "suicide", "other"};
inline constexpr std::array<std::string_view, kPathwayCount> kPathwayNames = {
    "not_in_contact", "harm_reduction", "waiting", "ost_first_4_weeks", "ost",
    "dose_reduction", "residential", "recovery", "prison", "left_treatment_last_4_weeks",
    "released_weeks_1_2", "released_weeks_3_4", "relapsed_last_4_weeks", "ceased_use"};

}  // namespace averted::england
