#include "core/population.hpp"

namespace averted {

PersonId Population::append(PersonId n, StateId initial_state, float t) {
  const PersonId first = size();
  const std::size_t total = static_cast<std::size_t>(first) + n;
  if (total > std::numeric_limits<PersonId>::max()) {
    throw std::length_error("population exceeds 4,294,967,295 people");
  }
  next_time.resize(total, t);
  next_event.resize(total, kRedraw);
  state.resize(total, initial_state);
  state_since.resize(total, t);
  for (auto& c : columns_) c->resize(total);
  return first;
}

void Population::reserve(PersonId n) {
  next_time.reserve(n);
  next_event.reserve(n);
  state.reserve(n);
  state_since.reserve(n);
  for (auto& c : columns_) c->reserve(n);
}

std::size_t Population::bytes_per_person() const {
  std::size_t bytes = sizeof(float) + sizeof(EventId) + sizeof(StateId) + sizeof(float);
  for (const auto& c : columns_) bytes += c->element_size();
  return bytes;
}

std::vector<Population::ColumnView> Population::column_views() const {
  std::vector<ColumnView> views = {
      {reinterpret_cast<const char*>(next_time.data()), sizeof(float)},
      {reinterpret_cast<const char*>(next_event.data()), sizeof(EventId)},
      {reinterpret_cast<const char*>(state.data()), sizeof(StateId)},
      {reinterpret_cast<const char*>(state_since.data()), sizeof(float)},
  };
  for (const auto& c : columns_) views.push_back({static_cast<const char*>(c->base()), c->element_size()});
  return views;
}

}  // namespace averted
