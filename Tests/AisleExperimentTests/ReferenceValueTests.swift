import AisleExperiment
import Foundation
import Testing

/// Every statistic against scipy/statsmodels on the same data
/// (Fixtures/reference.json, written by scripts/experiment_reference.py), to 1e-6.
@Suite struct ReferenceValueTests {
    static let tolerance = 1e-6

    struct Reference: Decodable {
        let alpha: Double
        let sequentialTuning: Double
        let cases: Cases
        let srm: [SRM]
        let holm: [Holm]
        let distributions: DistributionValues

        enum CodingKeys: String, CodingKey {
            case alpha, cases, srm, holm, distributions
            case sequentialTuning = "sequential_tuning"
        }
    }

    struct Welch: Decodable {
        let difference: Double
        let ci: [Double]
        let pValue: Double
        let df: Double
        let standardError: Double
        let lift: Double
        let liftCI: [Double]
        let chanceToBeat: Double
        let expectedLoss: Double
        let sequentialCI: [Double]

        enum CodingKeys: String, CodingKey {
            case difference, ci, df, lift
            case pValue = "p_value"
            case standardError = "standard_error"
            case liftCI = "lift_ci"
            case chanceToBeat = "chance_to_beat"
            case expectedLoss = "expected_loss"
            case sequentialCI = "sequential_ci"
        }
    }

    struct Arms: Decodable {
        let baseline: [Double]
        let treatment: [Double]
        let welch: Welch
    }

    struct Revenue: Decodable {
        let baseline: [Double]
        let treatment: [Double]
        let winsorPercentile: Double
        let winsorCap: Double
        let welch: Welch

        enum CodingKeys: String, CodingKey {
            case baseline, treatment, welch
            case winsorPercentile = "winsor_percentile"
            case winsorCap = "winsor_cap"
        }
    }

    struct Paired: Decodable {
        let baselineY: [Double]
        let baselineX: [Double]
        let treatmentY: [Double]
        let treatmentX: [Double]

        enum CodingKeys: String, CodingKey {
            case baselineY = "baseline_y"
            case baselineX = "baseline_x"
            case treatmentY = "treatment_y"
            case treatmentX = "treatment_x"
        }

        var baseline: Moments { Moments(pairs: zip(baselineY, baselineX).map { (y: $0, x: $1) }) }
        var treatment: Moments { Moments(pairs: zip(treatmentY, treatmentX).map { (y: $0, x: $1) }) }
    }

    struct Cuped: Decodable {
        let data: Paired
        let theta: Double
        let welch: Welch
        let unadjusted: Welch

        enum CodingKeys: String, CodingKey { case theta, welch, unadjusted }

        init(from decoder: any Decoder) throws {
            data = try Paired(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            theta = try container.decode(Double.self, forKey: .theta)
            welch = try container.decode(Welch.self, forKey: .welch)
            unadjusted = try container.decode(Welch.self, forKey: .unadjusted)
        }
    }

    struct Ratio: Decodable {
        let data: Paired
        let baselineRatio: Double
        let baselineRatioVariance: Double
        let treatmentRatio: Double
        let treatmentRatioVariance: Double
        let differenceCI: [Double]

        enum CodingKeys: String, CodingKey {
            case baselineRatio = "baseline_ratio"
            case baselineRatioVariance = "baseline_ratio_variance"
            case treatmentRatio = "treatment_ratio"
            case treatmentRatioVariance = "treatment_ratio_variance"
            case differenceCI = "difference_ci"
        }

        init(from decoder: any Decoder) throws {
            data = try Paired(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            baselineRatio = try container.decode(Double.self, forKey: .baselineRatio)
            baselineRatioVariance = try container.decode(Double.self, forKey: .baselineRatioVariance)
            treatmentRatio = try container.decode(Double.self, forKey: .treatmentRatio)
            treatmentRatioVariance = try container.decode(Double.self, forKey: .treatmentRatioVariance)
            differenceCI = try container.decode([Double].self, forKey: .differenceCI)
        }
    }

    struct Cases: Decodable {
        let conversion: Arms
        let revenue: Revenue
        let cuped: Cuped
        let ratio: Ratio
    }

    struct SRM: Decodable {
        let counts: [Int]
        let weights: [Double]
        let pValue: Double
        enum CodingKeys: String, CodingKey {
            case counts, weights
            case pValue = "p_value"
        }
    }

    struct Holm: Decodable {
        let pValues: [Double]
        let adjusted: [Double]
        enum CodingKeys: String, CodingKey {
            case adjusted
            case pValues = "p_values"
        }
    }

    struct DistributionValues: Decodable {
        let normalCDF: [[Double]]
        let normalPPF: [[Double]]
        let tCDF: [[Double]]
        let tPPF: [[Double]]
        let chi2SF: [[Double]]
        let betaPPF: [[Double]]

        enum CodingKeys: String, CodingKey {
            case normalCDF = "normal_cdf"
            case normalPPF = "normal_ppf"
            case tCDF = "t_cdf"
            case tPPF = "t_ppf"
            case chi2SF = "chi2_sf"
            case betaPPF = "beta_ppf"
        }
    }

    static func load() throws -> Reference {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/reference", withExtension: "json"))
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    /// Relative to the size of the value for large ones, absolute for small ones.
    static func close(
        _ actual: Double,
        _ expected: Double,
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let scale = max(1, abs(expected))
        #expect(
            abs(actual - expected) <= tolerance * scale,
            "\(what): \(actual) vs \(expected)",
            sourceLocation: sourceLocation
        )
    }

    static func check(_ comparison: TwoSampleComparison, against welch: Welch, _ name: String) {
        close(comparison.absoluteDifference.value, welch.difference, "\(name) difference")
        close(comparison.absoluteDifference.low, welch.ci[0], "\(name) ci low")
        close(comparison.absoluteDifference.high, welch.ci[1], "\(name) ci high")
        close(comparison.pValue, welch.pValue, "\(name) p")
        close(comparison.degreesOfFreedom, welch.df, "\(name) df")
        close(comparison.standardError, welch.standardError, "\(name) se")
        close(comparison.relativeLift?.value ?? .nan, welch.lift, "\(name) lift")
        close(comparison.relativeLift?.low ?? .nan, welch.liftCI[0], "\(name) lift low")
        close(comparison.relativeLift?.high ?? .nan, welch.liftCI[1], "\(name) lift high")
        close(comparison.chanceToBeat, welch.chanceToBeat, "\(name) chance to beat")
        close(comparison.expectedLoss, welch.expectedLoss, "\(name) expected loss")
        close(comparison.sequentialInterval.low, welch.sequentialCI[0], "\(name) sequential low")
        close(comparison.sequentialInterval.high, welch.sequentialCI[1], "\(name) sequential high")
    }

    @Test("conversion: Welch interval, p-value, lift, chance to beat and sequential interval match scipy")
    func conversion() throws {
        let reference = try Self.load()
        let data = reference.cases.conversion
        let comparison = TwoSampleComparison(
            treatment: Moments(data.treatment).summary,
            baseline: Moments(data.baseline).summary,
            confidence: 1 - reference.alpha,
            sequentialTuning: reference.sequentialTuning
        )
        Self.check(comparison, against: data.welch, "conversion")
    }

    @Test("revenue winsorised at the 99th percentile of both arms: the cap matches numpy, the test scipy")
    func revenue() throws {
        let reference = try Self.load()
        let data = reference.cases.revenue
        let cap = try #require(Winsorization.cap(data.baseline + data.treatment, percentile: data.winsorPercentile))
        Self.close(cap, data.winsorCap, "cap")
        let comparison = TwoSampleComparison(
            treatment: Moments(data.treatment.map { min($0, cap) }).summary,
            baseline: Moments(data.baseline.map { min($0, cap) }).summary
        )
        Self.check(comparison, against: data.welch, "revenue")
    }

    @Test("CUPED: theta and the adjusted test match scipy on the adjusted values, with a narrower interval")
    func cuped() throws {
        let reference = try Self.load()
        let data = reference.cases.cuped
        let arms = [data.data.baseline, data.data.treatment]
        Self.close(CUPED.theta(arms), data.theta, "theta")
        let adjusted = CUPED.adjusted(arms)
        let comparison = TwoSampleComparison(treatment: adjusted[1], baseline: adjusted[0])
        Self.check(comparison, against: data.welch, "cuped")
        let plain = TwoSampleComparison(treatment: arms[1].summary, baseline: arms[0].summary)
        Self.check(plain, against: data.unadjusted, "unadjusted")
        let adjustedWidth = comparison.absoluteDifference.high - comparison.absoluteDifference.low
        let plainWidth = plain.absoluteDifference.high - plain.absoluteDifference.low
        #expect(adjustedWidth < plainWidth * 0.7)
    }

    @Test("ratio metric: the delta-method variance per arm and the difference's interval match numpy")
    func ratio() throws {
        let reference = try Self.load()
        let data = reference.cases.ratio
        let baseline = try #require(RatioMetric.summary(data.data.baseline))
        let treatment = try #require(RatioMetric.summary(data.data.treatment))
        Self.close(baseline.mean, data.baselineRatio, "baseline ratio")
        Self.close(treatment.mean, data.treatmentRatio, "treatment ratio")
        Self.close(baseline.variance / Double(baseline.count), data.baselineRatioVariance, "baseline variance")
        Self.close(treatment.variance / Double(treatment.count), data.treatmentRatioVariance, "treatment variance")
        // The difference's normal interval (large samples): the Welch df is in the thousands.
        let comparison = TwoSampleComparison(treatment: treatment, baseline: baseline)
        #expect(comparison.degreesOfFreedom > 1000)
        let z = Distributions.normalQuantile(0.975)
        Self.close(comparison.absoluteDifference.value - z * comparison.standardError, data.differenceCI[0], "low")
        Self.close(comparison.absoluteDifference.value + z * comparison.standardError, data.differenceCI[1], "high")
    }

    @Test("sample ratio mismatch p-values match scipy's chisquare")
    func srm() throws {
        for row in try Self.load().srm {
            Self.close(SampleRatioCheck.pValue(counts: row.counts, weights: row.weights), row.pValue, "\(row.counts)")
        }
    }

    @Test("Holm-adjusted p-values match statsmodels' multipletests")
    func holm() throws {
        for row in try Self.load().holm {
            for (actual, expected) in zip(HolmCorrection.adjusted(row.pValues), row.adjusted) {
                Self.close(actual, expected, "\(row.pValues)")
            }
        }
    }

    @Test("normal, t, chi-square and beta functions match scipy")
    func distributions() throws {
        let values = try Self.load().distributions
        for row in values.normalCDF { Self.close(Distributions.normalCDF(row[0]), row[1], "Φ(\(row[0]))") }
        for row in values.normalPPF { Self.close(Distributions.normalQuantile(row[0]), row[1], "Φ⁻¹(\(row[0]))") }
        for row in values.tCDF {
            Self.close(Distributions.studentTCDF(row[0], degreesOfFreedom: row[1]), row[2], "T(\(row[0]), \(row[1]))")
        }
        for row in values.tPPF {
            Self.close(Distributions.studentTQuantile(row[0], degreesOfFreedom: row[1]), row[2], "T⁻¹(\(row[0]))")
        }
        for row in values.chi2SF {
            Self.close(Distributions.chiSquareSurvival(row[0], degreesOfFreedom: row[1]), row[2], "χ²(\(row[0]))")
        }
        for row in values.betaPPF {
            Self.close(Distributions.betaQuantile(row[0], a: row[1], b: row[2]), row[3], "B⁻¹(\(row[0]))")
        }
    }
}
