import AisleCore
import AisleExperiment
import Testing

/// The statistics' error rates on simulated experiments (fixed seeds: the same draws every run).
@Suite struct SimulationTests {
    /// One simulated arm of `users` conversions at `rate`.
    static func arm(_ users: Int, rate: Double, using random: inout SplitMix64) -> Moments {
        var moments = Moments()
        for _ in 0..<users { moments.add(random.nextDouble() < rate ? 1 : 0) }
        return moments
    }

    @Test("1,000 A/A tests at a fixed horizon: 3.5% to 6.5% come out significant at 5%")
    func fixedHorizonFalsePositives() {
        var random = SplitMix64(seed: 11)
        var significant = 0
        for _ in 0..<1_000 {
            let a = Self.arm(2_000, rate: 0.1, using: &random)
            let b = Self.arm(2_000, rate: 0.1, using: &random)
            if TwoSampleComparison(treatment: b.summary, baseline: a.summary).pValue < 0.05 { significant += 1 }
        }
        #expect((35...65).contains(significant), "\(significant) of 1,000")
    }

    @Test(
        "1,000 A/A tests peeked at after every 100 users: the sequential interval excludes 0 at any peek in at most 5%"
    )
    func sequentialPeeking() {
        var random = SplitMix64(seed: 12)
        var everSignificant = 0
        var naiveEverSignificant = 0
        for _ in 0..<1_000 {
            var a = Moments()
            var b = Moments()
            var rejected = false
            var naiveRejected = false
            for _ in 0..<30 {
                // 100 more users, split between the arms.
                for _ in 0..<50 {
                    a.add(random.nextDouble() < 0.1 ? 1 : 0)
                    b.add(random.nextDouble() < 0.1 ? 1 : 0)
                }
                let comparison = TwoSampleComparison(treatment: b.summary, baseline: a.summary)
                let interval = comparison.sequentialInterval
                if interval.low > 0 || interval.high < 0 { rejected = true }
                if comparison.pValue < 0.05 { naiveRejected = true }
            }
            if rejected { everSignificant += 1 }
            if naiveRejected { naiveEverSignificant += 1 }
        }
        #expect(everSignificant <= 50, "\(everSignificant) of 1,000")
        // Why the sequential interval exists: the fixed-horizon test, peeked at, fails far more often.
        #expect(naiveEverSignificant > 100, "\(naiveEverSignificant) of 1,000")
    }

    @Test("the 95% interval covers a known effect (10% → 12%) in at least 94% of 2,000 experiments")
    func coverage() {
        var random = SplitMix64(seed: 13)
        var covered = 0
        for _ in 0..<2_000 {
            let control = Self.arm(2_000, rate: 0.10, using: &random)
            let treatment = Self.arm(2_000, rate: 0.12, using: &random)
            let interval = TwoSampleComparison(treatment: treatment.summary, baseline: control.summary)
                .absoluteDifference
            if interval.low <= 0.02 && 0.02 <= interval.high { covered += 1 }
        }
        #expect(covered >= 1_880, "\(covered) of 2,000")
    }

    @Test("Thompson sampling on arms of 5%, 10% and 15%: regret after 10,000 pulls is at most 30% of uniform's")
    func banditRegret() {
        let rates = [0.05, 0.10, 0.15]
        let bandit = ThompsonSampling(kind: .binary)
        var random = SplitMix64(seed: 14)
        var regret = 0.0
        let runs = 10
        for _ in 0..<runs {
            var arms = [ArmRecord](repeating: ArmRecord(), count: rates.count)
            for _ in 0..<10_000 {
                guard let chosen = bandit.choose(arms, using: &random) else { Issue.record("no arm"); return }
                arms[chosen].pull()
                arms[chosen].reward(random.nextDouble() < rates[chosen] ? 1 : 0)
                regret += 0.15 - rates[chosen]
            }
        }
        let uniformRegret = 10_000 * (0.15 - 0.10)
        #expect(
            regret / Double(runs) <= 0.3 * uniformRegret,
            "regret \(regret / Double(runs)) vs uniform \(uniformRegret)"
        )
    }

    @Test("when the best arm depends on the platform, LinUCB earns more than plain Thompson sampling")
    func contextualBeatsPlain() {
        // Arm 0 converts 15% on iOS and 5% on Android; arm 1 the other way round.
        let rates: [[Double]] = [[0.15, 0.05], [0.05, 0.15]]
        var random = SplitMix64(seed: 15)
        let plain = ThompsonSampling(kind: .binary)
        let contextual = LinUCB(alpha: 0.5)
        var plainArms = [ArmRecord](repeating: ArmRecord(), count: 2)
        var contextualArms = [LinUCB.Arm](repeating: LinUCB.Arm(dimension: 3), count: 2)
        var plainReward = 0.0
        var contextualReward = 0.0
        for _ in 0..<10_000 {
            let platform = random.nextDouble() < 0.5 ? 0 : 1
            let context: [Double] = [1, platform == 0 ? 1 : 0, platform == 1 ? 1 : 0]
            guard let a = plain.choose(plainArms, using: &random),
                let b = contextual.choose(contextualArms, context: context, using: &random)
            else { Issue.record("no arm"); return }
            let rewardA: Double = random.nextDouble() < rates[a][platform] ? 1 : 0
            let rewardB: Double = random.nextDouble() < rates[b][platform] ? 1 : 0
            plainArms[a].pull()
            plainArms[a].reward(rewardA)
            contextualArms[b].update(context, reward: rewardB)
            plainReward += rewardA
            contextualReward += rewardB
        }
        // The plain bandit cannot beat 10% on average; the contextual one approaches 15%.
        #expect(plainReward < 1_150, "plain \(plainReward)")
        #expect(contextualReward > 1_300, "contextual \(contextualReward)")
    }
}
