// People, stored as a structure of arrays: one contiguous column per attribute, so a
// step touches only the columns it needs. The kernel owns four columns (the event
// schedule and the care-pathway state); models and extensions add their own typed
// columns by name.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace averted {

using PersonId = std::uint32_t;
using StateId = std::uint8_t;
using EventId = std::uint8_t;

// `next_event` value meaning "no event: hazards change here, draw again".
inline constexpr EventId kRedraw = 255;
inline constexpr float kNever = std::numeric_limits<float>::infinity();

template <class T>
struct Column {
  std::uint32_t index = 0;
};

class Population {
 public:
  // --- kernel columns (read by the scheduler every step) ---
  std::vector<float> next_time;        // years since the run's start; kNever if none
  std::vector<EventId> next_event;     // what happens at next_time (or kRedraw)
  std::vector<StateId> state;          // care-pathway state
  std::vector<float> state_since;      // time the current state was entered

  // Declares a model column; every existing and future person gets `initial`.
  // Throws std::logic_error if `name` is taken.
  template <class T>
  Column<T> add_column(std::string name, T initial) {
    for (const auto& c : columns_) {
      if (c->name == name) throw std::logic_error("population column declared twice: " + name);
    }
    auto col = std::make_unique<Typed<T>>();
    col->name = std::move(name);
    col->initial = initial;
    col->values.assign(size(), initial);
    columns_.push_back(std::move(col));
    return Column<T>{static_cast<std::uint32_t>(columns_.size() - 1)};
  }

  template <class T>
  T* data(Column<T> c) {
    return static_cast<Typed<T>*>(columns_[c.index].get())->values.data();
  }
  template <class T>
  const T* data(Column<T> c) const {
    return static_cast<const Typed<T>*>(columns_[c.index].get())->values.data();
  }

  PersonId size() const { return static_cast<PersonId>(state.size()); }

  // Appends `n` people in `initial_state`, entered at `t`, with a draw due at `t`.
  // Column pointers taken before this call are invalidated.
  PersonId append(PersonId n, StateId initial_state, float t);
  void reserve(PersonId n);

  // Makes the scheduler draw this person's next event again at time `t` (used when a
  // sequential phase changes someone's situation, e.g. a treatment place is offered).
  void reschedule(PersonId i, float t) {
    next_time[i] = t;
    next_event[i] = kRedraw;
  }

  // Bytes of per-person state across all columns (for the memory estimate).
  std::size_t bytes_per_person() const;

  // Where person 0 of each column (the kernel's, then the model's) starts and how
  // big one entry is: lets the scheduler prefetch a person's data before using it.
  // Invalidated by append and reserve, like column pointers.
  struct ColumnView {
    const char* base;
    std::size_t element_size;
  };
  std::vector<ColumnView> column_views() const;

 private:
  struct ColumnBase {
    std::string name;
    virtual ~ColumnBase() = default;
    virtual void resize(std::size_t n) = 0;
    virtual void reserve(std::size_t n) = 0;
    virtual std::size_t element_size() const = 0;
    virtual const void* base() const = 0;
  };
  template <class T>
  struct Typed final : ColumnBase {
    std::vector<T> values;
    T initial{};
    void resize(std::size_t n) override { values.resize(n, initial); }
    void reserve(std::size_t n) override { values.reserve(n); }
    std::size_t element_size() const override { return sizeof(T); }
    const void* base() const override { return values.data(); }
  };
  std::vector<std::unique_ptr<ColumnBase>> columns_;
};

}  // namespace averted
