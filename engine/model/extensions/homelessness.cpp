// Worked example of a risk factor (docs/extending.md): homelessness. People move
// between housed and homeless; while homeless their overdose rate is higher and they
// drop out of OST more often. Switched on by `homelessness.enabled: true`.
#include "model/extensions/homelessness.hpp"

#include "model/england_model.hpp"
#include "model/parameters.hpp"

namespace averted::england {
namespace {

constexpr Decision kHomelessAtEntry{100};  // extension decision ids start at 100; never renumber

enum Measure { kPeopleHomeless, kBecameHomeless, kHoused, kDrugDeathsHomeless, kMeasureCount };
enum OwnEvent { kBecomeHomeless, kBeHoused };

class Homelessness final : public Extension {
 public:
  explicit Homelessness(const Scenario& s)
      : on_(s.boolean("homelessness.enabled")),
        share_(s.real("homelessness.share")),
        housed_(s.real("homelessness.housed_rate")),
        // Onset keeps the share homeless steady: share = onset / (onset + housed).
        onset_(share_ < 1.0 ? housed_ * share_ / (1.0 - share_) : 0.0),
        overdose_rr_(s.real("homelessness.overdose_rr")),
        dropout_rr_(s.real("homelessness.ost_dropout_rr")) {}

  bool active() const override { return on_; }

  std::vector<OutputTable> tables() const override {
    return {{{"homelessness", "people or events",
              "Homelessness (extension): people homeless at the start of each period, people becoming "
              "homeless and being housed, and drug-poisoning deaths of people who were homeless.",
              CellType::Int64,
              {Dimension{"homelessness_measure",
                         {"people_homeless", "became_homeless", "housed", "drug_deaths_homeless"}}}}}};
  }
  std::vector<EventSpec> events() const override {
    return {{"become_homeless", "loses settled accommodation"}, {"housed", "finds settled accommodation"}};
  }
  void declare_decisions(DecisionRegistry& r) const override {
    r.add({kHomelessAtEntry, "homelessness.at_entry", "whether a new or starting person is homeless"});
  }

  void add_columns(Population& pop) override { homeless_ = pop.add_column<std::uint8_t>("homelessness.homeless", 0); }

  void new_person(StepContext& ctx, PersonId i, double) const override {
    ctx.pop.data(homeless_)[i] = ctx.random.uniforms(kHomelessAtEntry, i, ctx.step)[0] < share_ ? 1 : 0;
  }

  void hazards(HazardEdit& h) const override {
    if (h.state == kPrison) return;  // housing is neither lost nor found in prison
    if (h.pop.data(homeless_)[h.id]) {
      h.scale_overdose(overdose_rr_);
      h.scale(kOstDropout, dropout_rr_);
      h.set_rate(own_event(kBeHoused), housed_);
    } else {
      h.set_rate(own_event(kBecomeHomeless), onset_);
    }
  }

  void apply(PersonContext& ctx, PersonId i, int own, double t) const override {
    ctx.pop.data(homeless_)[i] = own == kBecomeHomeless ? 1 : 0;
    count(ctx.tally, 0, period_of_time(t), own == kBecomeHomeless ? kBecameHomeless : kHoused);
  }

  void after_event(PersonContext& ctx, PersonId i, Event e, double t) const override {
    if (e == kFatalOverdose && ctx.pop.data(homeless_)[i]) count(ctx.tally, 0, period_of_time(t), kDrugDeathsHomeless);
  }

  void census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const override {
    if (pop.data(homeless_)[i]) count(tally, 0, period, kPeopleHomeless);
  }

 private:
  bool on_;
  double share_, housed_, onset_, overdose_rr_, dropout_rr_;
  Column<std::uint8_t> homeless_;
};

void declare(ParamTable& t) {
  using namespace param;
  t.add(flag("homelessness.enabled", false,
             "Switch on the homelessness risk factor (extension): people become homeless and are housed "
             "again, and while homeless have a higher overdose rate and leave OST more often.",
             "design choice: off in the baseline, so the baseline is the England model alone"));
  t.add(probability("homelessness.share", 0.125,
                    "Share of people homeless when they start using (and at the start of the run); becoming "
                    "homeless is set so this share stays steady.",
                    "12.5% of people entering treatment for opioid use disorder were homeless (US TEDS "
                    "2013-2017, J Subst Abuse Treat 2021); no English figure found, so an assumption for England"));
  t.add(rate("homelessness.housed_rate", 1.0,
             "Rate at which a homeless person finds settled accommodation (1: a spell lasts a year on average).",
             "assumption: no figure for spells of homelessness among people who use heroin found"));
  t.add(multiplier("homelessness.overdose_rr", 1.30,
                   "Overdose rate while homeless, relative to housed.",
                   "Zivanovic et al. 2015: homelessness aHR 1.30 (1.08-1.56) for all-cause death, people who "
                   "inject drugs, Vancouver (COSTS-LOCAL.md section 3); applied to overdose as an assumption"));
  t.add(multiplier("homelessness.ost_dropout_rr", 1.09,
                   "Unplanned OST drop-out while homeless, relative to housed.",
                   "TEDS-D (US outpatient opioid treatment): homelessness aOR 1.09 (1.06-1.14) for drop-out "
                   "(University of Toronto Medical Journal); odds ratio used as a rate ratio"));
}

std::unique_ptr<Extension> make(const Scenario& s) { return std::make_unique<Homelessness>(s); }

}  // namespace

ExtensionType homelessness_extension() { return {"homelessness", declare, make}; }

}  // namespace averted::england
