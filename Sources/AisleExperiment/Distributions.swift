import Foundation

/// The distribution functions the tests need, in double precision: standard normal, Student's
/// t and chi-square CDFs and quantiles. Accurate to about 1e-12 in the ranges statistics uses;
/// checked against scipy (Tests/AisleExperimentTests/Fixtures/reference.json).
public enum Distributions {
    // MARK: Normal

    /// P(Z ≤ z) for a standard normal Z.
    public static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// The standard normal density at `z`.
    public static func normalPDF(_ z: Double) -> Double {
        exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
    }

    /// The z with P(Z ≤ z) = `p`, for 0 < p < 1 (±infinity at the ends).
    public static func normalQuantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        // Acklam's rational approximation (relative error 1.15e-9), then one Halley step on
        // the exact CDF, which brings it to machine precision.
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [
            7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
            3.754408661907416e+00,
        ]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let error = normalCDF(x) - p
        let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    // MARK: Student's t

    /// P(T ≤ t) for Student's t with `degreesOfFreedom` (> 0, need not be whole: Welch).
    public static func studentTCDF(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        if t.isInfinite { return t > 0 ? 1 : 0 }
        if nu.isInfinite { return normalCDF(t) }
        // P(|T| > |t|) = I_x(ν/2, 1/2) with x = ν / (ν + t²).
        let x = nu / (nu + t * t)
        let tail = 0.5 * regularizedIncompleteBeta(x, a: nu / 2, b: 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// The t with P(T ≤ t) = `p` for Student's t with `degreesOfFreedom`.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        if nu.isInfinite { return normalQuantile(p) }
        if p == 0.5 { return 0 }
        // Newton from the normal quantile, bracketed by bisection: the CDF is monotone.
        var low = -1.0
        var high = 1.0
        while studentTCDF(low, degreesOfFreedom: nu) > p { low *= 2 }
        while studentTCDF(high, degreesOfFreedom: nu) < p { high *= 2 }
        var x = min(max(normalQuantile(p), low), high)
        for _ in 0..<200 {
            let error = studentTCDF(x, degreesOfFreedom: nu) - p
            if abs(error) < 1e-15 { break }
            if error > 0 { high = x } else { low = x }
            let density = studentTPDF(x, degreesOfFreedom: nu)
            var next = x - error / density
            if !(next > low && next < high) { next = (low + high) / 2 }
            if abs(next - x) < 1e-14 * max(1, abs(x)) {
                x = next
                break
            }
            x = next
        }
        return x
    }

    /// Student's t density.
    public static func studentTPDF(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let logDensity =
            lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi)
            - (nu + 1) / 2 * log1p(t * t / nu)
        return exp(logDensity)
    }

    // MARK: Chi-square

    /// P(X > x) for chi-square with `degreesOfFreedom`: the p-value of a chi-square statistic.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        if x <= 0 { return 1 }
        return regularizedUpperGamma(k / 2, x / 2)
    }

    // MARK: Special functions

    /// I_x(a, b), the regularized incomplete beta function, by its continued fraction
    /// (modified Lentz), on the side where it converges fast.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var fraction = d
        for m in 1...10_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            fraction *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            fraction *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return fraction
    }

    /// Q(s, x) = Γ(s, x) / Γ(s), the regularized upper incomplete gamma function: by its series
    /// below s + 1, else by its continued fraction.
    static func regularizedUpperGamma(_ s: Double, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        let logFront = s * log(x) - x - lgamma(s)
        if x < s + 1 {
            var term = 1 / s
            var sum = term
            var n = s
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
            }
            return max(0, 1 - exp(logFront) * sum)
        }
        let tiny = 1e-300
        var b = x + 1 - s
        var c = 1 / tiny
        var d = 1 / b
        var fraction = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - s)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            fraction *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return exp(logFront) * fraction
    }
}
