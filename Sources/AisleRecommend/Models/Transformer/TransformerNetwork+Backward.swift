import AisleMath

extension TransformerNetwork {
    /// Back-propagates `outputGradient` (tokens × dimension, the loss's gradient with respect to
    /// the network's output) through the pass that made `activations`, adding every weight's
    /// gradient into `gradients` (laid out as the weights). Sums over tokens run in token order on
    /// one thread or inside BLAS, so the same batch gives the same gradients every run.
    /// The item vectors' gradients go to `itemVectorGradients` when given (a fused table's).
    func backward(
        _ activations: TransformerActivations,
        outputGradient: [Float],
        weights: UnsafePointer<Float>,
        gradients: UnsafeMutablePointer<Float>,
        itemVectorGradients: UnsafeMutablePointer<Float>? = nil,
        parallelism: Parallelism
    ) {
        let d = layout.dimension
        let batch = activations.batch
        let tokens = batch.tokenCount
        var dx = [Float](repeating: 0, count: tokens * d)
        normalizeBackward(
            outputGradient,
            gain: weights + layout.finalNormGain,
            normalized: activations.finalNormalized,
            inverse: activations.finalInverse,
            gainGradient: gradients + layout.finalNormGain,
            biasGradient: gradients + layout.finalNormBias,
            into: &dx,
            parallelism: parallelism
        )
        for (block, saved) in zip(layout.blocks, activations.blocks).reversed() {
            backwardBlock(
                block,
                saved,
                activations: activations,
                dx: &dx,
                weights: weights,
                gradients: gradients,
                parallelism: parallelism
            )
        }
        Self.scale(&dx, by: activations.inputMask)
        let inputScale = Float(d).squareRoot()
        let itemGradients = itemVectorGradients ?? gradients + layout.itemEmbedding
        dx.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for token in 0..<tokens {
                let row = base + token * d
                axpy(inputScale, row, itemGradients + Int(batch.items[token]) * d, d)
                axpy(1, row, gradients + layout.position + Int(batch.positions[token]) * d, d)
            }
        }
    }

    private func backwardBlock(
        _ block: TransformerLayout.Block,
        _ saved: BlockActivations,
        activations: TransformerActivations,
        dx: inout [Float],
        weights: UnsafePointer<Float>,
        gradients: UnsafeMutablePointer<Float>,
        parallelism: Parallelism
    ) {
        let d = layout.dimension
        let f = layout.hidden
        let tokens = activations.batch.tokenCount

        // Feed-forward branch: x += mask · (GELU(norm(x) · up + b) · down + b).
        var branch = dx
        Self.scale(&branch, by: saved.feedForwardMask)
        var activatedGradient = linearBackward(
            branch,
            input: saved.activated,
            rows: tokens,
            inputs: f,
            outputs: d,
            matrix: weights + block.down,
            matrixGradient: gradients + block.down,
            biasGradient: gradients + block.downBias,
            parallelism: parallelism
        )
        saved.up.withUnsafeBufferPointer { up in
            activatedGradient.withUnsafeMutableBufferPointer { gradient in
                guard let input = up.baseAddress, let target = gradient.baseAddress else { return }
                TransformerKernels.geluBackward(input, count: tokens * f, gradient: target)
            }
        }
        let feedForwardInputGradient = linearBackward(
            activatedGradient,
            input: saved.feedForwardInput,
            rows: tokens,
            inputs: d,
            outputs: f,
            matrix: weights + block.up,
            matrixGradient: gradients + block.up,
            biasGradient: gradients + block.upBias,
            parallelism: parallelism
        )
        normalizeBackward(
            feedForwardInputGradient,
            gain: weights + block.feedForwardNormGain,
            normalized: saved.feedForwardNormalized,
            inverse: saved.feedForwardInverse,
            gainGradient: gradients + block.feedForwardNormGain,
            biasGradient: gradients + block.feedForwardNormBias,
            into: &dx,
            parallelism: parallelism
        )

        // Attention branch: x += mask · (attention(norm(x) · qkv + b) · out + b).
        branch = dx
        Self.scale(&branch, by: saved.attentionMask)
        let contextGradient = linearBackward(
            branch,
            input: saved.context,
            rows: tokens,
            inputs: d,
            outputs: d,
            matrix: weights + block.attentionOut,
            matrixGradient: gradients + block.attentionOut,
            biasGradient: gradients + block.attentionOutBias,
            parallelism: parallelism
        )
        let queryKeyValueGradient = attendBackward(
            contextGradient,
            saved: saved,
            activations: activations,
            parallelism: parallelism
        )
        let attentionInputGradient = linearBackward(
            queryKeyValueGradient,
            input: saved.attentionInput,
            rows: tokens,
            inputs: d,
            outputs: 3 * d,
            matrix: weights + block.queryKeyValue,
            matrixGradient: gradients + block.queryKeyValue,
            biasGradient: gradients + block.queryKeyValueBias,
            parallelism: parallelism
        )
        normalizeBackward(
            attentionInputGradient,
            gain: weights + block.attentionNormGain,
            normalized: saved.attentionNormalized,
            inverse: saved.attentionInverse,
            gainGradient: gradients + block.attentionNormGain,
            biasGradient: gradients + block.attentionNormBias,
            into: &dx,
            parallelism: parallelism
        )
    }

    /// For `output = input · matrix + bias`: adds `inputᵀ · outputGradient` to the matrix's
    /// gradient and the column sums to the bias's; returns `outputGradient · matrixᵀ`.
    private func linearBackward(
        _ outputGradient: [Float],
        input: [Float],
        rows: Int,
        inputs: Int,
        outputs: Int,
        matrix: UnsafePointer<Float>,
        matrixGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>,
        parallelism: Parallelism
    ) -> [Float] {
        var inputGradient = [Float](repeating: 0, count: rows * inputs)
        outputGradient.withUnsafeBufferPointer { gradientBuffer in
            input.withUnsafeBufferPointer { inputBuffer in
                inputGradient.withUnsafeMutableBufferPointer { resultBuffer in
                    guard let dy = gradientBuffer.baseAddress, let x = inputBuffer.baseAddress,
                        let dx = resultBuffer.baseAddress
                    else { return }
                    BLAS.multiply(
                        m: inputs,
                        n: outputs,
                        k: rows,
                        x,
                        lda: inputs,
                        transposeA: .transposed,
                        dy,
                        ldb: outputs,
                        beta: 1,
                        into: matrixGradient,
                        ldc: outputs,
                        splitting: parallelism
                    )
                    TransformerKernels.accumulateColumns(dy, rows: rows, width: outputs, into: biasGradient)
                    BLAS.multiply(
                        m: rows,
                        n: inputs,
                        k: outputs,
                        dy,
                        lda: outputs,
                        matrix,
                        ldb: outputs,
                        transposeB: .transposed,
                        into: dx,
                        ldc: inputs,
                        splitting: parallelism
                    )
                }
            }
        }
        return inputGradient
    }

    /// LayerNorm's backward pass: the input gradient added to `dx` (rows split over the workers),
    /// the gain and bias gradients summed on this thread.
    private func normalizeBackward(
        _ outputGradient: [Float],
        gain: UnsafePointer<Float>,
        normalized: [Float],
        inverse: [Float],
        gainGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>,
        into dx: inout [Float],
        parallelism: Parallelism
    ) {
        let d = layout.dimension
        let rows = inverse.count
        outputGradient.withUnsafeBufferPointer { gradientBuffer in
            normalized.withUnsafeBufferPointer { normalizedBuffer in
                inverse.withUnsafeBufferPointer { inverseBuffer in
                    dx.withUnsafeMutableBufferPointer { dxBuffer in
                        guard let dy = gradientBuffer.baseAddress, let n = normalizedBuffer.baseAddress else { return }
                        TransformerKernels.accumulateNormParameters(
                            dy,
                            rows: rows,
                            width: d,
                            normalized: n,
                            gainGradient: gainGradient,
                            biasGradient: biasGradient
                        )
                        let sources = (
                            SendableConstPointer(dy), SendableConstPointer(n),
                            SendableConstPointer(inverseBuffer.baseAddress), SendableConstPointer(gain)
                        )
                        let target = SendablePointer(dxBuffer.baseAddress)
                        parallelism.forEachRange(of: rows, chunk: 256) { range in
                            guard let dy = sources.0.pointer, let n = sources.1.pointer, let inv = sources.2.pointer,
                                let g = sources.3.pointer, let dx = target.pointer
                            else { return }
                            TransformerKernels.normalizeBackward(
                                dy,
                                rows: range,
                                width: d,
                                gain: g,
                                normalized: n,
                                inverse: inv,
                                inputGradient: dx
                            )
                        }
                    }
                }
            }
        }
    }

    /// Attention's backward pass per sequence (sequences split over the workers; each writes only
    /// its own tokens' rows): from the context's gradient to the queries', keys' and values'.
    private func attendBackward(
        _ contextGradient: [Float],
        saved: BlockActivations,
        activations: TransformerActivations,
        parallelism: Parallelism
    ) -> [Float] {
        let d = layout.dimension
        let heads = layout.heads
        let width = layout.headWidth
        let scale = 1 / Float(width).squareRoot()
        let batch = activations.batch
        let probabilityStarts = activations.probabilityStarts
        var result = [Float](repeating: 0, count: batch.tokenCount * 3 * d)
        contextGradient.withUnsafeBufferPointer { contextBuffer in
            saved.queryKeyValue.withUnsafeBufferPointer { qkvBuffer in
                saved.probabilities.withUnsafeBufferPointer { probabilityBuffer in
                    result.withUnsafeMutableBufferPointer { resultBuffer in
                        let inputs = (
                            SendableConstPointer(contextBuffer.baseAddress),
                            SendableConstPointer(qkvBuffer.baseAddress),
                            SendableConstPointer(probabilityBuffer.baseAddress)
                        )
                        let output = SendablePointer(resultBuffer.baseAddress)
                        parallelism.forEachRange(of: batch.sequenceCount, chunk: 8) { sequences in
                            guard let dContext = inputs.0.pointer, let qkv = inputs.1.pointer,
                                let dqkv = output.pointer
                            else { return }
                            var probabilityGradient = [Float](repeating: 0, count: layout.maxLength)
                            for sequence in sequences {
                                let tokens = batch.range(of: sequence)
                                let n = tokens.count
                                guard n > 0, let probabilities = inputs.2.pointer else { continue }
                                if probabilityGradient.count < n {
                                    probabilityGradient = [Float](repeating: 0, count: n)
                                }
                                for head in 0..<heads {
                                    let offset = head * width
                                    for i in 0..<n {
                                        let row = probabilities + probabilityStarts[sequence] + (head * n + i) * n
                                        let token = tokens.lowerBound + i
                                        let dOut = dContext + token * d + offset
                                        var weighted: Float = 0
                                        for j in 0...i {
                                            let value = qkv + (tokens.lowerBound + j) * 3 * d + 2 * d + offset
                                            let g = dot(dOut, value, width)
                                            probabilityGradient[j] = g
                                            weighted += row[j] * g
                                            // d value_j += p_ij · d out_i
                                            axpy(
                                                row[j],
                                                dOut,
                                                dqkv + (tokens.lowerBound + j) * 3 * d + 2 * d + offset,
                                                width
                                            )
                                        }
                                        let query = qkv + token * 3 * d + offset
                                        let dQuery = dqkv + token * 3 * d + offset
                                        for j in 0...i {
                                            let score = row[j] * (probabilityGradient[j] - weighted) * scale
                                            let keyRow = (tokens.lowerBound + j) * 3 * d + d + offset
                                            axpy(score, qkv + keyRow, dQuery, width)
                                            axpy(score, query, dqkv + keyRow, width)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
