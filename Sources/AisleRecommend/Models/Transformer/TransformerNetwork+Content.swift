import AisleMath

/// Where a pass reads the item vectors and biases (items × dimension, then items) and adds their
/// gradients: the id embedding's own rows, or a table with content fused in.
struct ItemRows {
    let vectors: UnsafePointer<Float>
    let biases: UnsafePointer<Float>
    let vectorGradients: UnsafeMutablePointer<Float>
    let biasGradients: UnsafeMutablePointer<Float>

    /// The id embedding and biases inside `weights` and `gradients`.
    init(layout: TransformerLayout, weights: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>) {
        vectors = weights + layout.itemEmbedding
        biases = weights + layout.itemBias
        vectorGradients = gradients + layout.itemEmbedding
        biasGradients = gradients + layout.itemBias
    }

    init(
        vectors: UnsafePointer<Float>,
        biases: UnsafePointer<Float>,
        vectorGradients: UnsafeMutablePointer<Float>,
        biasGradients: UnsafeMutablePointer<Float>
    ) {
        self.vectors = vectors
        self.biases = biases
        self.vectorGradients = vectorGradients
        self.biasGradients = biasGradients
    }
}

extension TransformerNetwork {
    /// Every item's vector and bias with `content` fused in: its id embedding plus the mean of its
    /// attributes' embeddings plus its text vector times the projection; likewise the bias.
    /// Items marked in `withoutID` get the content parts alone: while training, a random share of
    /// items each step, so that content alone must predict (as it must for a new item); when
    /// folding, the items training never saw, whose id parts learned only that they never came.
    func fusedItems(
        weights: UnsafePointer<Float>,
        content: ItemContent,
        withoutID: [Bool] = [],
        parallelism: Parallelism
    ) -> (vectors: [Float], biases: [Float]) {
        let d = layout.dimension
        let items = layout.items
        precondition(content.attributes.count == items, "content for another catalog")
        precondition(content.attributeCount == layout.attributes && content.textWidth == layout.textWidth)
        precondition(withoutID.isEmpty || withoutID.count == items)
        var vectors = Array(UnsafeBufferPointer(start: weights + layout.itemEmbedding, count: items * d))
        var biases = Array(UnsafeBufferPointer(start: weights + layout.itemBias, count: items))
        for (item, dropped) in withoutID.enumerated() where dropped {
            vectors.replaceSubrange((item * d)..<((item + 1) * d), with: repeatElement(0, count: d))
            biases[item] = 0
        }
        vectors.withUnsafeMutableBufferPointer { vectorBuffer in
            guard let v = vectorBuffer.baseAddress else { return }
            for (item, values) in content.attributes.enumerated() where !values.isEmpty {
                let share = 1 / Float(values.count)
                for value in values {
                    axpy(share, weights + layout.attributeEmbedding + Int(value) * d, v + item * d, d)
                    biases[item] += share * weights[layout.attributeBias + Int(value)]
                }
            }
            guard layout.textWidth > 0 else { return }
            content.text.withUnsafeBufferPointer { textBuffer in
                biases.withUnsafeMutableBufferPointer { biasBuffer in
                    guard let t = textBuffer.baseAddress, let b = biasBuffer.baseAddress else { return }
                    let width = layout.textWidth
                    BLAS.multiply(
                        m: items,
                        n: d,
                        k: width,
                        t,
                        lda: width,
                        weights + layout.textProjection,
                        ldb: d,
                        beta: 1,
                        into: v,
                        ldc: d,
                        splitting: parallelism
                    )
                    BLAS.multiply(
                        m: items,
                        n: 1,
                        k: width,
                        t,
                        lda: width,
                        weights + layout.textBias,
                        ldb: 1,
                        beta: 1,
                        into: b,
                        ldc: 1,
                        splitting: parallelism
                    )
                }
            }
        }
        return (vectors, biases)
    }

    /// Adds the gradients of a fused table (`vectorGradients`, `biasGradients`, as `fusedItems`
    /// made it) to the weights it was made from: the id rows, the attributes' and the text's.
    func addFusedGradients(
        vectorGradients: [Float],
        biasGradients: [Float],
        content: ItemContent,
        withoutID: [Bool] = [],
        into gradients: UnsafeMutablePointer<Float>,
        parallelism: Parallelism
    ) {
        let d = layout.dimension
        let items = layout.items
        vectorGradients.withUnsafeBufferPointer { vectorBuffer in
            biasGradients.withUnsafeBufferPointer { biasBuffer in
                guard let dv = vectorBuffer.baseAddress, let db = biasBuffer.baseAddress else { return }
                if withoutID.isEmpty {
                    axpy(1, dv, gradients + layout.itemEmbedding, items * d)
                    axpy(1, db, gradients + layout.itemBias, items)
                } else {
                    for item in 0..<items where !withoutID[item] {
                        axpy(1, dv + item * d, gradients + layout.itemEmbedding + item * d, d)
                        gradients[layout.itemBias + item] += db[item]
                    }
                }
                // In item order on one thread: the same gradients every run.
                for (item, values) in content.attributes.enumerated() where !values.isEmpty {
                    let share = 1 / Float(values.count)
                    for value in values {
                        axpy(share, dv + item * d, gradients + layout.attributeEmbedding + Int(value) * d, d)
                        gradients[layout.attributeBias + Int(value)] += share * db[item]
                    }
                }
                guard layout.textWidth > 0 else { return }
                content.text.withUnsafeBufferPointer { textBuffer in
                    guard let t = textBuffer.baseAddress else { return }
                    let width = layout.textWidth
                    BLAS.multiply(
                        m: width,
                        n: d,
                        k: items,
                        t,
                        lda: width,
                        transposeA: .transposed,
                        dv,
                        ldb: d,
                        beta: 1,
                        into: gradients + layout.textProjection,
                        ldc: d,
                        splitting: parallelism
                    )
                    BLAS.multiply(
                        m: width,
                        n: 1,
                        k: items,
                        t,
                        lda: width,
                        transposeA: .transposed,
                        db,
                        ldb: 1,
                        beta: 1,
                        into: gradients + layout.textBias,
                        ldc: 1,
                        splitting: parallelism
                    )
                }
            }
        }
    }

    /// The weights of `layout.withoutContent` that score exactly as `weights` with `content`
    /// fused: the fused table in place of the id rows. What a trained model keeps and serves.
    /// Items marked in `unseen` keep their content parts alone.
    func folded(_ weights: [Float], content: ItemContent, unseen: [Bool] = [], parallelism: Parallelism) -> [Float] {
        let plain = layout.withoutContent
        var result = Array(weights.prefix(plain.count))
        let (vectors, biases) = weights.withUnsafeBufferPointer { buffer -> ([Float], [Float]) in
            guard let w = buffer.baseAddress else { return ([], []) }
            return fusedItems(weights: w, content: content, withoutID: unseen, parallelism: parallelism)
        }
        result.replaceSubrange(plain.itemEmbedding..<(plain.itemEmbedding + vectors.count), with: vectors)
        result.replaceSubrange(plain.itemBias..<(plain.itemBias + biases.count), with: biases)
        return result
    }
}

extension TransformerNetwork {
    /// One batch forward and back: the mean next-item loss, with every weight's gradient added
    /// into `gradients`. With `content`, the item vectors are fused first and their gradients
    /// passed on to the parts they were fused from; the items marked in `withoutID` read their
    /// content alone this step.
    func lossAndGradients(
        _ batch: TokenBatch,
        candidates: Candidates,
        dropout: Dropout?,
        content: ItemContent?,
        withoutID: [Bool] = [],
        weights: UnsafePointer<Float>,
        gradients: UnsafeMutablePointer<Float>,
        parallelism: Parallelism
    ) -> Double {
        // Forward, loss and backward against `items` (the id rows when nil).
        func pass(_ items: ItemRows?) -> Double {
            let activations = forward(
                batch,
                weights: weights,
                itemVectors: items?.vectors,
                dropout: dropout,
                parallelism: parallelism
            )
            let (loss, outputGradient) = nextItemLoss(
                activations,
                candidates: candidates,
                weights: weights,
                gradients: gradients,
                items: items,
                parallelism: parallelism
            )
            backward(
                activations,
                outputGradient: outputGradient,
                weights: weights,
                gradients: gradients,
                itemVectorGradients: items?.vectorGradients,
                parallelism: parallelism
            )
            return loss
        }
        guard let content, layout.fusesContent else { return pass(nil) }
        let (vectors, biases) = fusedItems(
            weights: weights,
            content: content,
            withoutID: withoutID,
            parallelism: parallelism
        )
        var vectorGradients = [Float](repeating: 0, count: vectors.count)
        var biasGradients = [Float](repeating: 0, count: biases.count)
        let loss = vectors.withUnsafeBufferPointer { vectorBuffer in
            biases.withUnsafeBufferPointer { biasBuffer in
                vectorGradients.withUnsafeMutableBufferPointer { dvBuffer in
                    biasGradients.withUnsafeMutableBufferPointer { dbBuffer -> Double in
                        guard let v = vectorBuffer.baseAddress, let b = biasBuffer.baseAddress,
                            let dv = dvBuffer.baseAddress, let db = dbBuffer.baseAddress
                        else { return .nan }
                        return pass(ItemRows(vectors: v, biases: b, vectorGradients: dv, biasGradients: db))
                    }
                }
            }
        }
        addFusedGradients(
            vectorGradients: vectorGradients,
            biasGradients: biasGradients,
            content: content,
            withoutID: withoutID,
            into: gradients,
            parallelism: parallelism
        )
        return loss
    }
}
