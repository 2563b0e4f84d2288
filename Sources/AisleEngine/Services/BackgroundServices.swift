import AisleCore
import AisleRecommend
import AisleSearch
import AisleStore
import Logging
import ServiceLifecycle

/// Retrains the recommender on the configured schedule (and once at start when there is no
/// snapshot); stops with the engine's other services.
struct TrainingScheduleService: Service {
    let service: RecommendationService
    let configuration: RecommendConfiguration
    let logger: Logger
    /// Called once the saved model is loaded, or known not to be there.
    let savedModelChecked: @Sendable () -> Void

    func run() async throws {
        let logger = logger
        await cancelWhenGracefulShutdown {
            // The saved model serves at once, whether or not a first training is configured.
            let loaded = await service.loadSaved()
            savedModelChecked()
            if configuration.trainOnStart && !loaded {
                do {
                    let report = try await service.train { logger.info("training: \($0)") }
                    logger.info("first training done: \(report.interactions) interactions, \(report.items) items")
                } catch let error as AisleError where error.code == .conflict {
                    logger.info("first training: \(error.message)")
                } catch {
                    logger.error("first training failed: \(error)")
                }
            }
            await service.runSchedule(
                every: configuration.trainEvery,
                afterEvents: configuration.trainAfterEvents
            ) { logger.info("training: \($0)") }
        }
    }
}

/// Runs the store's background upkeep for as long as the engine runs.
struct StoreMaintenanceService: Service {
    let store: any Store

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.runMaintenance()
        }
    }
}

/// Builds search's HNSW graph when the catalog outgrows the exact scan, beside the server;
/// an unfinished build is abandoned on shutdown.
struct SearchGraphService: Service {
    let engine: SearchEngine

    func run() async throws {
        let engine = engine
        await cancelWhenGracefulShutdown {
            await engine.runGraphBuilds()
        }
    }
}

/// Deletes audit entries past the retention period, at start and then every six hours.
struct AuditRetentionService: Service {
    let store: any AuditStore
    let retention: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let cutoff = Timestamp.now().millisecondsSinceEpoch - retention.components.seconds * 1_000
                _ = try? await store.pruneAudit(before: Timestamp(millisecondsSinceEpoch: cutoff))
                try? await Task.sleep(for: .seconds(6 * 3_600))
            }
        }
    }
}

/// Saves what bandits learned from choices once a second, and once more on shutdown, so a
/// graceful stop loses no pull (rewards are saved as they come).
struct BanditSaveService: Service {
    let save: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                // Shutting down: the save after the loop writes it, uncancelled.
                guard !Task.isCancelled else { break }
                await save()
            }
        }
        await save()
    }
}

/// Writes new experiment exposures every 100 ms, and once more on shutdown.
struct ExposureFlushService: Service {
    let flush: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                guard !Task.isCancelled else { break }
                await flush()
            }
        }
        await flush()
    }
}

/// Builds running experiments' result aggregates at start (one scan of the event log) and
/// brings them up to date every minute, so a results request only counts the last minute's
/// events and exposures.
struct ExperimentTallyService: Service {
    let refresh: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await refresh()
                try? await Task.sleep(for: .seconds(60))
            }
        }
    }
}
