public import Hummingbird
public import HummingbirdCore
public import Logging
public import NIOCore
public import NIOHTTPTypes

/// An HTTP/1 server whose connections must keep moving: a request's head must arrive within the
/// header timeout of its first byte (or of the connection's opening), its body within the body
/// timeout of its head, and a kept-alive connection must send its next request within the idle
/// timeout. A connection that misses its deadline is closed. Hummingbird's own idle timeout
/// stops counting while a request is being read, so a client that trickles a body (or that
/// never finishes its head) would hold its connection for as long as it likes: 300 such
/// clients made `/health` time out.
struct TimedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let deadlines: ConnectionDeadlines

    init(responder: @escaping HTTPChannelHandler.Responder, deadlines: ConnectionDeadlines) {
        inner = HTTP1Channel(
            responder: responder,
            configuration: .init(additionalChannelHandlers: [RequestPhaseHandler()])
        )
        self.deadlines = deadlines
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            // First in the pipeline, so it sees the bytes before the HTTP decoder does.
            try channel.pipeline.syncOperations.addHandler(
                ConnectionClockHandler(deadlines: deadlines, logger: logger),
                position: .first
            )
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// The three timeouts of a connection.
struct ConnectionDeadlines: Sendable {
    var header: TimeAmount
    var body: TimeAmount
    var idle: TimeAmount

    init(header: Duration, body: Duration, idle: Duration) {
        self.header = TimeAmount(header)
        self.body = TimeAmount(body)
        self.idle = TimeAmount(idle)
    }
}

/// Keeps one deadline per connection and closes the connection when it passes. Sees raw bytes
/// (a request has started); `RequestPhaseHandler`, after the decoder, tells it when a head and
/// a body were complete and when the response was written.
final class ConnectionClockHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Phase {
        /// Between requests (or before the first): waiting for a request's first byte.
        case waiting
        /// A request's first bytes arrived; its head is not complete.
        case readingHead
        /// The head arrived; the body is not complete.
        case readingBody
        /// The request is complete; the server is answering it (no deadline: our own work).
        case answering
    }

    private let deadlines: ConnectionDeadlines
    private let logger: Logger
    private var phase = Phase.waiting
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(deadlines: ConnectionDeadlines, logger: Logger) {
        self.deadlines = deadlines
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // A new connection gets the header timeout to start and finish its first request's head.
        schedule(deadlines.header, phase: .waiting)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .waiting { schedule(deadlines.header, phase: .readingHead) }
        context.fireChannelRead(data)
    }

    func headReceived() {
        schedule(deadlines.body, phase: .readingBody)
    }

    func requestReceived() {
        timer?.cancel()
        timer = nil
        phase = .answering
    }

    func responseSent() {
        schedule(deadlines.idle, phase: .waiting)
    }

    private func schedule(_ delay: TimeAmount, phase: Phase) {
        self.phase = phase
        timer?.cancel()
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            guard let context = self.context else { return }
            logger.debug(
                "closing a connection that missed its deadline",
                metadata: ["phase": "\(self.phase)", "remote": "\(context.channel.remoteAddress?.description ?? "?")"]
            )
            context.close(promise: nil)
        }
    }
}

/// Tells the connection's `ConnectionClockHandler` where the current request stands.
final class RequestPhaseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var clock: ConnectionClockHandler?

    func handlerAdded(context: ChannelHandlerContext) {
        clock = try? context.pipeline.syncOperations.handler(type: ConnectionClockHandler.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: clock?.headReceived()
        case .body: break
        case .end: clock?.requestReceived()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { clock?.responseSent() }
        context.write(data, promise: promise)
    }
}
