// MonotoneCurve: a monotone piecewise-cubic (Fritsch-Carlson PCHIP) through known
// points, used to guess where a tail count crosses a level between two prices.
//
// Built from points with strictly increasing x and non-increasing y; between two
// neighbours the curve stays within their y values (no overshoot), so inverting
// it inside a bracket always lands inside the bracket. Immutable after
// construction; safe to share between threads.
#pragma once

#include <cstddef>
#include <vector>

namespace di::plan {

class MonotoneCurve {
 public:
  // REQUIRES: xs.size() == ys.size() >= 2, xs strictly increasing, ys non-increasing.
  MonotoneCurve(std::vector<double> xs, std::vector<double> ys);

  // The curve at x; clamps to the end values outside [xs.front(), xs.back()].
  double At(double x) const;

  // The x in [xs[k], xs[k+1]] where the curve equals `level`.
  // REQUIRES: ys[k] >= level >= ys[k+1].
  double Invert(std::size_t k, double level) const;

 private:
  double Segment(std::size_t k, double x) const;

  std::vector<double> xs_, ys_, slopes_;
};

}  // namespace di::plan
