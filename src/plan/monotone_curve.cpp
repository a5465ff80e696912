#include "plan/monotone_curve.h"

#include <algorithm>
#include <cmath>

namespace di::plan {

MonotoneCurve::MonotoneCurve(std::vector<double> xs, std::vector<double> ys)
    : xs_(std::move(xs)), ys_(std::move(ys)), slopes_(xs_.size(), 0.0) {
  const size_t n = xs_.size();
  std::vector<double> secant(n - 1);
  for (size_t k = 0; k + 1 < n; ++k) secant[k] = (ys_[k + 1] - ys_[k]) / (xs_[k + 1] - xs_[k]);
  slopes_[0] = secant[0];
  slopes_[n - 1] = secant[n - 2];
  for (size_t k = 1; k + 1 < n; ++k) {
    const double a = secant[k - 1], b = secant[k];
    if (a * b <= 0) {
      slopes_[k] = 0;  // flat or turning: keep the curve monotone
    } else {
      // Weighted harmonic mean (Fritsch-Butland), which never overshoots.
      const double h0 = xs_[k] - xs_[k - 1], h1 = xs_[k + 1] - xs_[k];
      const double w0 = 2 * h1 + h0, w1 = h1 + 2 * h0;
      slopes_[k] = (w0 + w1) / (w0 / a + w1 / b);
    }
  }
  // End slopes: keep the sign of the secant and at most three times it.
  for (size_t k : {size_t{0}, n - 1}) {
    const double s = secant[k == 0 ? 0 : n - 2];
    if (slopes_[k] * s <= 0) slopes_[k] = 0;
    if (std::abs(slopes_[k]) > 3 * std::abs(s)) slopes_[k] = 3 * s;
  }
}

double MonotoneCurve::Segment(size_t k, double x) const {
  const double h = xs_[k + 1] - xs_[k];
  const double t = (x - xs_[k]) / h;
  const double t2 = t * t, t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * ys_[k] + (t3 - 2 * t2 + t) * h * slopes_[k] + (-2 * t3 + 3 * t2) * ys_[k + 1] +
         (t3 - t2) * h * slopes_[k + 1];
}

double MonotoneCurve::At(double x) const {
  if (x <= xs_.front()) return ys_.front();
  if (x >= xs_.back()) return ys_.back();
  const size_t k = static_cast<size_t>(std::upper_bound(xs_.begin(), xs_.end(), x) - xs_.begin()) - 1;
  return Segment(k, x);
}

double MonotoneCurve::Invert(size_t k, double level) const {
  double lo = xs_[k], hi = xs_[k + 1];
  // The segment is non-increasing: bisect for the crossing.
  for (int i = 0; i < 100 && hi - lo > 1e-9 * (1 + std::abs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (Segment(k, mid) > level)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace di::plan
