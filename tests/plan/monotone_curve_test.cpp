#include "plan/monotone_curve.h"

#include <gtest/gtest.h>

namespace di::plan {
namespace {

TEST(MonotoneCurveTest, PassesThroughPointsWithoutOvershoot) {
  const std::vector<double> xs = {0, 1, 2, 10, 11}, ys = {100, 90, 30, 29, 0};
  const MonotoneCurve curve(xs, ys);
  for (size_t k = 0; k < xs.size(); ++k) EXPECT_DOUBLE_EQ(curve.At(xs[k]), ys[k]);
  double prev = curve.At(-1);
  EXPECT_DOUBLE_EQ(prev, 100);
  for (double x = 0; x <= 12; x += 0.01) {
    const double y = curve.At(x);
    EXPECT_LE(y, prev + 1e-9) << "not non-increasing at " << x;
    prev = y;
  }
  for (double x = 2; x <= 10; x += 0.01) {
    EXPECT_LE(curve.At(x), 30 + 1e-9);
    EXPECT_GE(curve.At(x), 29 - 1e-9);
  }
}

TEST(MonotoneCurveTest, InvertLandsInTheBracket) {
  const MonotoneCurve curve({0, 1, 3, 7}, {1000, 400, 100, 0});
  for (double level : {999.0, 700.0, 400.0}) {
    const double x = curve.Invert(0, level);
    EXPECT_GE(x, 0);
    EXPECT_LE(x, 1);
    EXPECT_NEAR(curve.At(x), level, 1e-6);
  }
  const double x = curve.Invert(2, 50);
  EXPECT_GT(x, 3);
  EXPECT_LT(x, 7);
  EXPECT_NEAR(curve.At(x), 50, 1e-6);
}

}  // namespace
}  // namespace di::plan
