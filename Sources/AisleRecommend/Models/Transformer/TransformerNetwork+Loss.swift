import AisleCore
import AisleMath
import Foundation

extension TransformerNetwork {
    /// Which items each token's softmax runs over.
    enum Candidates: Sendable, Equatable {
        /// Every catalog item: the exact cross-entropy.
        case all
        /// The batch's own targets plus these items, drawn uniformly (a sampled softmax, for large
        /// catalogs). With `shares` (each item's share of all training targets), each column's
        /// logit is lowered by the log of the chance that the sample holds its item (the logQ
        /// correction of Bengio and Senécal 2008; Yi et al. 2019): popular items, nearly always in
        /// the batch as someone's target, would otherwise be pushed down far more often than rare
        /// ones, which the full softmax pushes down at every step.
        case sampled([Int32], shares: [Float]? = nil)
    }

    /// Softmax cross-entropy of the next item at every token with a target, scored against the
    /// tied item embeddings (`output · Eᵀ + bias`). Returns the mean loss and its gradient with
    /// respect to the output; adds the item embeddings' and biases' gradients into `gradients`.
    /// Logits are made `chunkRows` tokens at a time, so memory stays chunk × candidates.
    /// `items` (a fused table, `fusedItems`) replaces the id embedding and biases when given.
    func nextItemLoss(
        _ activations: TransformerActivations,
        candidates: Candidates,
        weights: UnsafePointer<Float>,
        gradients: UnsafeMutablePointer<Float>,
        items: ItemRows? = nil,
        parallelism: Parallelism
    ) -> (loss: Double, outputGradient: [Float]) {
        let items = items ?? ItemRows(layout: layout, weights: weights, gradients: gradients)
        let d = layout.dimension
        let batch = activations.batch
        let tokens = batch.tokenCount
        let targeted = batch.targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        var outputGradient = [Float](repeating: 0, count: tokens * d)
        guard targeted > 0 else { return (0, outputGradient) }

        // The candidate columns: their embeddings and biases side by side, and each target's column.
        let columns: [Int32]?
        switch candidates {
        case .all: columns = nil
        case .sampled(let extra, _):
            columns = Array(Set(batch.targets.filter { $0 >= 0 } + extra)).sorted()
        }
        // log P(item in the sample): a batch of `targeted` draws from the target shares, and
        // `extra.count` uniform draws.
        var logInclusion: (Int32) -> Float = { _ in 0 }
        if case .sampled(let extra, let shares?) = candidates, shares.count == layout.items {
            let uniformMiss = Double(extra.count) * log1p(-1 / Double(max(2, layout.items)))
            logInclusion = { item in
                let miss = Double(targeted) * log1p(-min(0.999_999, Double(shares[Int(item)]))) + uniformMiss
                return Float(log(max(1e-12, -expm1(miss))))
            }
        }
        let width = columns?.count ?? layout.items
        var columnOf: [Int32: Int32] = [:]
        var embeddings: [Float] = []
        var biases: [Float] = []
        if let columns {
            columnOf.reserveCapacity(columns.count)
            embeddings.reserveCapacity(columns.count * d)
            for (column, item) in columns.enumerated() {
                columnOf[item] = Int32(column)
                let row = items.vectors + Int(item) * d
                embeddings.append(contentsOf: UnsafeBufferPointer(start: row, count: d))
                biases.append(items.biases[Int(item)] - logInclusion(item))
            }
        }
        var embeddingGradient = [Float](repeating: 0, count: columns == nil ? 0 : width * d)
        var biasGradient = [Float](repeating: 0, count: columns == nil ? 0 : width)
        let targetColumns = batch.targets.map { $0 < 0 ? -1 : (columns == nil ? $0 : columnOf[$0] ?? -1) }

        let chunkRows = max(16, min(512, (1 << 22) / max(1, width)))
        var logits = [Float](repeating: 0, count: chunkRows * width)
        var losses = [Double](repeating: 0, count: tokens)
        let lossScale = 1 / Float(targeted)
        func score(
            _ itemRows: UnsafePointer<Float>,
            _ itemBiases: UnsafePointer<Float>,
            _ itemRowsGradient: UnsafeMutablePointer<Float>,
            _ itemBiasGradient: UnsafeMutablePointer<Float>
        ) {
            activations.output.withUnsafeBufferPointer { outputBuffer in
                outputGradient.withUnsafeMutableBufferPointer { gradientBuffer in
                    logits.withUnsafeMutableBufferPointer { logitBuffer in
                        losses.withUnsafeMutableBufferPointer { lossBuffer in
                            guard let output = outputBuffer.baseAddress, let dOutput = gradientBuffer.baseAddress,
                                let logit = logitBuffer.baseAddress
                            else { return }
                            let shared = SendablePointer(logit)
                            let lossOut = LossPointer(lossBuffer.baseAddress)
                            for first in stride(from: 0, to: tokens, by: chunkRows) {
                                let rows = min(chunkRows, tokens - first)
                                for row in 0..<rows { (logit + row * width).update(from: itemBiases, count: width) }
                                BLAS.multiply(
                                    m: rows,
                                    n: width,
                                    k: d,
                                    output + first * d,
                                    lda: d,
                                    itemRows,
                                    ldb: d,
                                    transposeB: .transposed,
                                    beta: 1,
                                    into: logit,
                                    ldc: width,
                                    splitting: parallelism
                                )
                                // Each row becomes its softmax minus the one-hot target, over the
                                // batch's target count: the loss's gradient with respect to the logits.
                                parallelism.forEachRange(of: rows, chunk: 16) { range in
                                    guard let logit = shared.pointer, let losses = lossOut.pointer else { return }
                                    for row in range {
                                        let values = logit + row * width
                                        let target = Int(targetColumns[first + row])
                                        guard target >= 0 else {
                                            values.update(repeating: 0, count: width)
                                            continue
                                        }
                                        let targetLogit = values[target]
                                        let logSum = TransformerKernels.softmax(values, count: width, scale: lossScale)
                                        losses[first + row] = Double(logSum - targetLogit)
                                        values[target] -= lossScale
                                    }
                                }
                                BLAS.multiply(
                                    m: rows,
                                    n: d,
                                    k: width,
                                    logit,
                                    lda: width,
                                    itemRows,
                                    ldb: d,
                                    into: dOutput + first * d,
                                    ldc: d,
                                    splitting: parallelism
                                )
                                BLAS.multiply(
                                    m: width,
                                    n: d,
                                    k: rows,
                                    logit,
                                    lda: width,
                                    transposeA: .transposed,
                                    output + first * d,
                                    ldb: d,
                                    beta: 1,
                                    into: itemRowsGradient,
                                    ldc: d,
                                    splitting: parallelism
                                )
                                // The bias gradient: column sums, split by columns so that
                                // each sum runs in row order on one worker.
                                let biasOut = SendablePointer(itemBiasGradient)
                                parallelism.forEachRange(of: width, chunk: 2048) { columns in
                                    guard let logit = shared.pointer, let bias = biasOut.pointer else { return }
                                    for row in 0..<rows {
                                        axpy(
                                            1,
                                            logit + row * width + columns.lowerBound,
                                            bias + columns.lowerBound,
                                            columns.count
                                        )
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if columns == nil {
            score(items.vectors, items.biases, items.vectorGradients, items.biasGradients)
        } else {
            embeddings.withUnsafeBufferPointer { e in
                biases.withUnsafeBufferPointer { b in
                    embeddingGradient.withUnsafeMutableBufferPointer { eg in
                        biasGradient.withUnsafeMutableBufferPointer { bg in
                            guard let e = e.baseAddress, let b = b.baseAddress, let eg = eg.baseAddress,
                                let bg = bg.baseAddress
                            else { return }
                            score(e, b, eg, bg)
                        }
                    }
                }
            }
        }
        if let columns {
            for (column, item) in columns.enumerated() {
                let row = items.vectorGradients + Int(item) * d
                for index in 0..<d { row[index] += embeddingGradient[column * d + index] }
                items.biasGradients[Int(item)] += biasGradient[column]
            }
        }
        return (losses.reduce(0, +) / Double(targeted), outputGradient)
    }
}

/// Per-token losses written by the workers, each its own rows.
private struct LossPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>?

    init(_ pointer: UnsafeMutablePointer<Double>?) { self.pointer = pointer }
}
