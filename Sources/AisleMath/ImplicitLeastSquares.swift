/// The solver behind implicit-feedback ALS (Hu, Koren and Volinsky 2008): recomputes one side's
/// factors with the other side fixed, by a few conjugate-gradient steps per row warm-started from
/// the current factors (Takács, Pilászy and Tikk 2011), as `implicit`'s CPU ALS does.
///
/// For row u with interactions {i: confidence cᵢ} the system is
/// `(YᵀY + λI + Σᵢ (cᵢ − 1) yᵢyᵢᵀ) x = Σᵢ cᵢ yᵢ`; YᵀY is computed once per half-step with BLAS, and
/// each CG step costs O(f² + nᵤ f). Rows are split over the workers.
public enum ImplicitLeastSquares {
    /// Recomputes every row of `target` (users, say) against `fixed` (items): row r of
    /// `confidence` lists the columns of `fixed` row r interacted with and each confidence (≥ 1
    /// means preferred; the usual choice is 1 + α·weight). A row without interactions becomes zero.
    public static func update(
        _ target: inout DenseMatrix,
        fixed: DenseMatrix,
        confidence: CSRMatrix,
        regularization: Float,
        conjugateGradientSteps: Int,
        parallelism: Parallelism
    ) {
        precondition(target.columns == fixed.columns, "both sides need the same number of factors")
        precondition(confidence.rows == target.rows && confidence.columns == fixed.rows, "confidence shape")
        let factors = target.columns
        let gram = regularizedGram(fixed, regularization: regularization)
        let steps = max(1, conjugateGradientSteps)
        let gramValues = gram.values
        fixed.values.withUnsafeBufferPointer { fixedBuffer in
            gramValues.withUnsafeBufferPointer { gramBuffer in
                confidence.columnIndices.withUnsafeBufferPointer { columnBuffer in
                    confidence.values.withUnsafeBufferPointer { valueBuffer in
                        target.values.withUnsafeMutableBufferPointer { targetBuffer in
                            let inputs = SolveInputs(
                                fixed: SendableBuffer(fixedBuffer),
                                gram: SendableBuffer(gramBuffer),
                                columns: SendableBuffer(columnBuffer),
                                confidences: SendableBuffer(valueBuffer),
                                factors: factors,
                                steps: steps
                            )
                            let output = SendableMutableBuffer(targetBuffer)
                            let starts = confidence.rowStarts
                            parallelism.forEachRange(of: confidence.rows, chunk: 128) { range in
                                withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * factors) { scratch in
                                    for row in range {
                                        let x = output.buffer.baseAddress.unsafelyUnwrapped + row * factors
                                        let entries = starts[row]..<starts[row + 1]
                                        if entries.isEmpty {
                                            x.update(repeating: 0, count: factors)
                                            continue
                                        }
                                        inputs.solve(
                                            x,
                                            entries: entries,
                                            scratch: scratch.baseAddress.unsafelyUnwrapped
                                        )
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Solves one row from scratch against `fixed` (a shopper's vector from their current
    /// history, at request time): `gram` is `fixedᵀfixed + λI` from `regularizedGram`. Starts from
    /// zero and runs `conjugateGradientSteps` steps (the system has `factors` dimensions, so that
    /// many steps solve it exactly).
    public static func solveRow(
        fixed: DenseMatrix,
        gram: DenseMatrix,
        columns: [Int32],
        confidences: [Float],
        conjugateGradientSteps: Int
    ) -> [Float] {
        precondition(columns.count == confidences.count, "one confidence per column")
        let factors = fixed.columns
        var x = [Float](repeating: 0, count: factors)
        guard !columns.isEmpty else { return x }
        fixed.values.withUnsafeBufferPointer { fixedBuffer in
            gram.values.withUnsafeBufferPointer { gramBuffer in
                columns.withUnsafeBufferPointer { columnBuffer in
                    confidences.withUnsafeBufferPointer { valueBuffer in
                        let inputs = SolveInputs(
                            fixed: SendableBuffer(fixedBuffer),
                            gram: SendableBuffer(gramBuffer),
                            columns: SendableBuffer(columnBuffer),
                            confidences: SendableBuffer(valueBuffer),
                            factors: factors,
                            steps: max(1, conjugateGradientSteps)
                        )
                        x.withUnsafeMutableBufferPointer { xBuffer in
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * factors) { scratch in
                                inputs.solve(
                                    xBuffer.baseAddress.unsafelyUnwrapped,
                                    entries: 0..<columns.count,
                                    scratch: scratch.baseAddress.unsafelyUnwrapped
                                )
                            }
                        }
                    }
                }
            }
        }
        return x
    }

    /// `fixedᵀ fixed + λI`, the shared part of every row's system.
    public static func regularizedGram(_ fixed: DenseMatrix, regularization: Float) -> DenseMatrix {
        var gram = BLAS.gram(fixed)
        for d in 0..<fixed.columns { gram.values[d * fixed.columns + d] += regularization }
        return gram
    }
}

/// The read-only inputs of a row solve, shared by the workers.
private struct SolveInputs: Sendable {
    let fixed: SendableBuffer<Float>
    let gram: SendableBuffer<Float>
    let columns: SendableBuffer<Int32>
    let confidences: SendableBuffer<Float>
    let factors: Int
    let steps: Int

    /// Conjugate gradient on one row's system, warm-started from `x`; `scratch` holds 3 vectors.
    func solve(_ x: UnsafeMutablePointer<Float>, entries: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
        let f = factors
        let fixedBase = fixed.buffer.baseAddress.unsafelyUnwrapped
        let gramBase = gram.buffer.baseAddress.unsafelyUnwrapped
        let r = scratch
        let p = scratch + f
        let ap = scratch + 2 * f
        // r = b − A x, with A x = G x + Σ (c − 1)(y·x) y and b = Σ c y.
        symmetricMultiply(gramBase, x, r, f)
        for d in 0..<f { r[d] = -r[d] }
        for entry in entries {
            let y = fixedBase + Int(columns.buffer[entry]) * f
            let c = confidences.buffer[entry]
            axpy(c - (c - 1) * dot(y, x, f), y, r, f)
        }
        p.update(from: r, count: f)
        var residual = dot(r, r, f)
        guard residual > 1e-20 else { return }
        for _ in 0..<steps {
            symmetricMultiply(gramBase, p, ap, f)
            for entry in entries {
                let y = fixedBase + Int(columns.buffer[entry]) * f
                let c = confidences.buffer[entry]
                axpy((c - 1) * dot(y, p, f), y, ap, f)
            }
            let curvature = dot(p, ap, f)
            guard curvature > 0 else { return }
            let alpha = residual / curvature
            axpy(alpha, p, x, f)
            axpy(-alpha, ap, r, f)
            let next = dot(r, r, f)
            if next < 1e-20 { return }
            let beta = next / residual
            for d in 0..<f { p[d] = r[d] + beta * p[d] }
            residual = next
        }
    }
}
