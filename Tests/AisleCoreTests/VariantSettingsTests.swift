import AisleCore
import Testing

/// What an experiment variant's config may set for the feed.
@Suite struct VariantSettingsTests {
    @Test(
        "every feed model is a variant's model or a blend key, the transformer included",
        arguments: VariantSettings.feedModels
    )
    func feedModels(name: String) throws {
        let settings = try VariantSettings(config: .object(["model": .string(name)]), field: "config")
        if name == "hybrid" {
            #expect(settings.feedBlend == nil, "the trained blend")
        } else {
            #expect(settings.feedBlend == [name: 1])
            let blend = try VariantSettings(config: .object(["blend": .object([name: .number(2)])]), field: "config")
            #expect(blend.feedBlend == [name: 2])
        }
    }

    @Test("an unknown model is refused with the field and the names that work")
    func unknownModel() {
        do {
            _ = try VariantSettings(config: .object(["model": .string("sasrec")]), field: "variants[1].config")
            Issue.record("accepted an unknown model")
        } catch {
            #expect(error.field == "variants[1].config.model")
            #expect(error.message.contains("transformer"))
        }
    }
}
