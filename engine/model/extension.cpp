#include "model/extension.hpp"

#include <algorithm>

#include "model/england_model.hpp"

namespace averted::england {

void HazardEdit::set_overdose() {
  h_.rate[kFatalOverdose] = overdose_ * fatality_;
  h_.rate[kNonFatalOverdose] = overdose_ * (1.0 - fatality_);
}

void HazardEdit::scale_overdose(double m) {
  overdose_ *= m;
  set_overdose();
}

void HazardEdit::scale_fatality(double m) {
  fatality_ = std::min(1.0, fatality_ * m);
  set_overdose();
}

void HazardEdit::scale(Event e, double m) { h_.rate[e] *= m; }

void HazardEdit::set_rate(EventId own_event, double rate) { h_.rate[own_event] = rate; }

void HazardEdit::valid_until(double time) {
  if (time > t) until_ = std::min(until_, time);
}

const Parameters& Extension::england() const { return model_->parameters(); }

Column<PersonRecord> Extension::england_column() const { return model_->person_column(); }

std::uint32_t Extension::period_of_time(double t) const { return model_->period_of_time(t); }

std::uint32_t Extension::period_of_step(std::uint32_t step) const { return model_->period_of_step(step); }

void Extension::count(Tally& tally, int k, std::uint32_t period, std::size_t cell, std::int64_t n) const {
  const std::size_t table = first_table_ + static_cast<std::size_t>(k);
  tally.add(table, period * model_->cells_per_period(table) + cell, n);
}

void Extension::add_amount(Tally& tally, int k, std::uint32_t period, std::size_t cell, double amount) const {
  const std::size_t table = first_table_ + static_cast<std::size_t>(k);
  tally.add_amount(table, period * model_->cells_per_period(table) + cell, amount,
                   model_->outputs()[table].fixed_point_scale);
}

void Extension::add_cost(Tally& tally, double t, int k, double pounds) const {
  model_->add_cost(tally, t, static_cast<CostItem>(first_cost_item_ + k), pounds);
}

void declare_extension_parameters(ParamTable& table) {
  for (const auto& type : extension_types()) type.declare_parameters(table);
}

std::vector<std::unique_ptr<Extension>> make_extensions(const Scenario& scenario) {
  std::vector<std::unique_ptr<Extension>> out;
  for (const auto& type : extension_types()) out.push_back(type.make(scenario));
  return out;
}

}  // namespace averted::england
