// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "aisle",
    // The server needs macOS 15 (Synchronization); AisleClient alone would run on iOS 16.
    platforms: [.macOS(.v15), .iOS(.v16)],
    products: [
        .executable(name: "aisle", targets: ["aisle"]),
        .library(name: "AisleCore", targets: ["AisleCore"]),
        .library(name: "AisleClient", targets: ["AisleClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // zlib for gzip request bodies (Wire/Gzip.swift), shared by the server and the client.
        .target(name: "AisleCore", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        // The app SDK: AisleCore's wire types and Foundation, nothing else (docs/SDK.md).
        .target(name: "AisleClient", dependencies: ["AisleCore"], swiftSettings: swiftSettings),
        // The SDK's Linux example (docs/SDK.md); the end-to-end tests drive it as an app would.
        .executableTarget(
            name: "aisle-shop",
            dependencies: ["AisleClient"],
            path: "Examples/AisleShopCLI",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        .target(name: "AisleMath", dependencies: ["CBLAS"], swiftSettings: swiftSettings),
        // Experiment statistics and bandits: pure Swift, no dependencies.
        .target(name: "AisleExperiment", swiftSettings: swiftSettings),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Float16 and 8-bit integer products (AVX2/F16C, AVX-512 VNNI per function, checked at
        // run time). Optimised in debug builds too: unoptimised intrinsics are many times slower,
        // and batches of e5 go through them.
        .target(name: "CHalfKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(
            name: "AisleText",
            dependencies: ["AisleCore", "AisleMath", "CZlib", "CHalfKernels"],
            resources: [
                .copy("Resources/sentiment.aisle"), .copy("Resources/sentiment-e5.aisle"), .copy("Resources/intents.aisle"),
            ],
            // Optimised in debug builds too: the encoder's SIMD code (GELU, LayerNorm, softmax)
            // is 50× slower unoptimised, which made the encoder tests take minutes.
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Images through libvips (Debian libvips-dev); CVipsShim wraps its variadic calls.
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .target(name: "CVipsShim", dependencies: ["CVips"]),
        .target(name: "AisleImage", dependencies: ["AisleCore", "CVipsShim"], swiftSettings: swiftSettings),
        .target(name: "AisleSearch", dependencies: ["AisleCore", "AisleMath"], swiftSettings: swiftSettings),
        .target(
            name: "AisleRecommend",
            dependencies: ["AisleCore", "AisleStore", "AisleMath"],
            // Optimised in debug builds too: the serving trainer trains the Transformer in the
            // end-to-end tests, and its SIMD loops are many times slower unoptimised.
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "AisleStore",
            dependencies: [
                "AisleCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AisleEngine",
            dependencies: [
                "AisleCore",
                "AisleMath",
                "AisleStore",
                "AisleRecommend",
                "AisleSearch",
                "AisleText",
                "AisleExperiment",
                "AisleImage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AisleServer",
            dependencies: [
                "AisleCore",
                "AisleEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                // image_url photos: SafeImageDownloader.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // The OpenAPI document and the storefront and dashboard (docs/WEB.md).
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/web")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "aisle",
            dependencies: [
                "AisleCore",
                "AisleEngine",
                "AisleStore",
                "AisleServer",
                "AisleMath",
                "AisleRecommend",
                "AisleText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "aisle-bench",
            dependencies: [
                "AisleClient",
                "AisleCore",
                "AisleMath",
                "AisleRecommend",
                "AisleText",
                "AisleSearch",
                "AisleImage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AisleCoreTests", dependencies: ["AisleCore"], swiftSettings: swiftSettings),
        .testTarget(name: "AisleMathTests", dependencies: ["AisleMath"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AisleExperimentTests",
            dependencies: ["AisleCore", "AisleExperiment"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AisleImageTests", dependencies: ["AisleImage"], swiftSettings: swiftSettings),
        .testTarget(name: "AisleSearchTests", dependencies: ["AisleCore", "AisleSearch"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AisleTextTests",
            dependencies: ["AisleCore", "AisleText"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AisleRecommendTests",
            dependencies: ["AisleCore", "AisleStore", "AisleMath", "AisleRecommend"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AisleClientTests",
            dependencies: ["AisleClient", "AisleCore"],
            swiftSettings: swiftSettings
        ),
        // A real PostgreSQL server for the store and end-to-end tests (not in any product).
        .target(name: "AisleTestPostgres", path: "Tests/Support/AisleTestPostgres", swiftSettings: swiftSettings),
        .testTarget(
            name: "AisleStoreTests",
            dependencies: [
                "AisleCore", "AisleStore", "AisleTestPostgres", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AisleEngineTests",
            dependencies: [
                "AisleCore", "AisleEngine", "AisleExperiment", "AisleMath", "AisleRecommend", "AisleSearch", "AisleStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AisleServerTests",
            dependencies: [
                "AisleCore",
                "AisleEngine",
                "AisleStore",
                "AisleServer",
                "AisleMath",
                "AisleRecommend",
                "AisleText",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AisleEndToEndTests",
            dependencies: [
                "AisleCore",
                "AisleTestPostgres",
                "AisleClient",
                "AisleImage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
