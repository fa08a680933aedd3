import Cadenza
import CadenzaServer
import Foundation
import Hummingbird
import HummingbirdTesting
import MIDIFormats
import MusicScore
import Testing

/// The web studio end to end: the real server (with the fake model) on a loopback port, driven
/// by a headless Chromium over the DevTools protocol. Skips when no Chromium is installed.
@Suite(.serialized) struct StudioBrowserTests {
    static let chromium = HeadlessChromium.binary

    /// Counts the roll's saturated pixels: notes are coloured, the empty roll is grey.
    static let saturatedPixels = """
        (() => {
          const c = document.getElementById('roll');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) {
            if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
          }
          return n;
        })()
        """

    static let settled = "['finished', 'error', 'idle'].includes(cadenzaStudio.state)"

    /// Runs `body` against a page showing the studio of a server built from `configuration`.
    static func withStudio(
        _ configuration: ServerConfiguration, service: FakeGenerationService,
        _ body: @escaping @Sendable (ChromeDevTools.Page, ChromeDevTools) async throws -> Void
    ) async throws {
        let binary = try #require(chromium)
        let app = try buildApplication(configuration, service: service)
        let browser = try await HeadlessChromium.launch(binary: binary)
        defer { browser.terminate() }
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await ChromeDevTools.withBrowser(webSocketURL: browser.webSocketURL) { devTools in
                let page = try await devTools.openPage("http://127.0.0.1:\(port)/")
                try await page.waitUntil("window.cadenzaStudio && cadenzaStudio.state !== 'loading'", timeout: .seconds(10))
                try await body(page, devTools)
            }
        }
    }

    /// CI installs Chromium (.ci/run); there the browser tests must run, not skip.
    @Test func chromiumIsThereInCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(Self.chromium != nil, "CI=true but no Chromium: .ci/run should have installed it (see /tmp/cadenza-ci-apt.log)")
        }
    }

    @Test(.enabled(if: chromium != nil, "no chromium, chromium-browser or google-chrome on PATH (or CADENZA_CHROMIUM is not executable)"),
          .timeLimit(.minutes(1)))
    func generateDrawDownloadAndRender() async throws {
        let service = FakeGenerationService()
        try await Self.withStudio(ServerConfiguration(port: 0), service: service) { page, devTools in
            // The genres and the model come from /v1/models.
            let genres = try await page.evaluate("[...document.querySelector('#genre').options].map(o => o.value)")
            #expect(genres.array?.compactMap(\.string) == service.models[0].genres)
            #expect(try await page.evaluate("cadenzaStudio.state").string == "idle")
            #expect(try await page.evaluate("document.getElementById('model-info').textContent").string?.contains("cdz-0123456789abcdef") == true)
            #expect(try await page.evaluate(Self.saturatedPixels).number == 0)

            // Settings as a user would make them: pop, 4 bars, seed 7, bass only.
            try await page.evaluate("""
                {
                const genre = document.getElementById('genre');
                genre.value = 'pop';
                genre.dispatchEvent(new Event('change'));
                document.getElementById('bars').value = '4';
                document.getElementById('seed').value = '7';
                document.querySelector('#instruments input[value="33"]').click();
                document.getElementById('generate').click();
                }
                """)
            try await page.waitUntil(Self.settled, timeout: .seconds(30), describe: "cadenzaStudio.error")
            let state = try await page.evaluate("cadenzaStudio.state").string
            let error = try await page.evaluate("JSON.stringify(cadenzaStudio.error)").string ?? ""
            try #require(state == "finished", "studio error: \(error)")
            #expect(try await page.evaluate("document.body.dataset.state").string == "finished")

            // The page sent the form's values.
            let job = try #require(service.startedJobs.last)
            #expect(job.request.genre == "pop" && job.request.bars == 4 && job.request.seed == 7)
            #expect(job.request.instruments == [33])
            #expect(job.request.sampling.temperature == 1 && job.request.sampling.guidance == 5)
            #expect(job.request.tempo == nil)

            // Every streamed note is on the page and drawn.
            let expected = FakeGenerationService.notes(job.request)
            let shown = try await page.evaluate("cadenzaStudio.notes.map(n => [n.program, n.pitch, n.startQuarters, n.durationQuarters])")
            let shownNotes = (shown.array ?? []).map { ($0.array ?? []).compactMap(\.number) }
            #expect(shownNotes == expected.map { [Double($0.program), Double($0.pitch), $0.startQuarters, $0.durationQuarters] })
            #expect(try await page.evaluate(Self.saturatedPixels).number ?? 0 > 100)

            // The MIDI download: the bytes behind #download-midi's link, as the browser saves them.
            let download = try await page.evaluate("""
                (async () => {
                  const link = document.getElementById('download-midi');
                  if (!link.href) return null;
                  const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
                  let text = '';
                  for (const b of bytes) text += String.fromCharCode(b);
                  return { name: link.download, base64: btoa(text) };
                })()
                """)
            #expect(download["name"]?.string == "cadenza-pop-7.mid")
            let midi = try #require(Data(base64Encoded: download["base64"]?.string ?? ""))
            #expect(Array(midi) == FakeGenerationService.midi(expected))
            let score = Score(midiFile: try MIDIFile(bytes: Array(midi), mode: .strict))
            let inFile = score.tracks.flatMap { track in
                track.notes.map { [Double(track.isDrum ? 128 : Int(track.program)), Double($0.pitch), Double($0.start) / Double(score.ticksPerQuarter)] }
            }
            #expect(inFile.sorted { $0.lexicographicallyPrecedes($1) } == shownNotes.map { Array($0.prefix(3)) }.sorted { $0.lexicographicallyPrecedes($1) })

            // The WAV download path: the page posts the MIDI to /v1/render.
            let wav = try await page.evaluate("""
                (async () => {
                  const b = await cadenzaStudio.renderWAV();
                  return { length: b.length, riff: String.fromCharCode(...b.slice(0, 4)), wave: String.fromCharCode(...b.slice(8, 12)) };
                })()
                """)
            #expect(wav["riff"]?.string == "RIFF")
            #expect(wav["wave"]?.string == "WAVE")
            #expect(wav["length"]?.number ?? 0 > 44)

            // Playback starts and pauses (the headless browser may keep audio muted).
            try await page.evaluate("document.getElementById('play').click()")
            #expect(try await page.evaluate("document.getElementById('pause').disabled").bool == false)
            try await page.evaluate("document.getElementById('pause').click()")
            #expect(try await page.evaluate("document.getElementById('play').disabled").bool == false)

            // A server error shows its message, field and hint.
            try await page.evaluate("""
                {
                const genre = document.getElementById('genre');
                genre.append(new Option('polka', 'polka'));
                genre.value = 'polka';
                document.getElementById('generate').click();
                }
                """)
            try await page.waitUntil("cadenzaStudio.state === 'error'", timeout: .seconds(10))
            #expect(try await page.evaluate("cadenzaStudio.error.field").string == "genre")
            #expect(try await page.evaluate("cadenzaStudio.error.code").string == "invalid_setting")
            let status = try await page.evaluate("document.getElementById('status').textContent").string ?? ""
            #expect(status.contains("polka") && status.contains("genre") && status.contains("choose one of"))
            #expect(try await page.evaluate("document.body.dataset.state").string == "error")

            #expect(await devTools.problems == [])
        }
    }

    @Test(.enabled(if: chromium != nil, "no chromium, chromium-browser or google-chrome on PATH (or CADENZA_CHROMIUM is not executable)"),
          .timeLimit(.minutes(1)))
    func apiKeyIsAskedForAndUsed() async throws {
        let key = "studio-test-key-0123456789"
        let service = FakeGenerationService()
        try await Self.withStudio(ServerConfiguration(port: 0, apiKey: key), service: service) { page, devTools in
            // The first request is refused: the key field appears.
            #expect(try await page.evaluate("cadenzaStudio.state").string == "error")
            #expect(try await page.evaluate("cadenzaStudio.error.code").string == "unauthorized")
            #expect(try await page.evaluate("document.getElementById('key-panel').hidden").bool == false)

            try await page.evaluate("""
                document.getElementById('api-key').value = '\(key)';
                document.querySelector('#key-form button[type=submit]').click();
                """)
            try await page.waitUntil("cadenzaStudio.state === 'idle' && document.querySelector('#genre').options.length > 0", timeout: .seconds(10))
            #expect(try await page.evaluate("localStorage.getItem('cadenzaApiKey')").string == key)

            // The stream carries the key as ?key=, and the render request as a bearer header.
            try await page.evaluate("document.getElementById('bars').value = '1'; document.getElementById('generate').click()")
            try await page.waitUntil(Self.settled, timeout: .seconds(30), describe: "cadenzaStudio.error")
            let error = try await page.evaluate("JSON.stringify(cadenzaStudio.error)").string ?? ""
            try #require(try await page.evaluate("cadenzaStudio.state").string == "finished", "studio error: \(error)")
            #expect(try await page.evaluate("cadenzaStudio.notes.length").number == 4)
            let riff = try await page.evaluate("cadenzaStudio.renderWAV().then(b => String.fromCharCode(...b.slice(0, 4)))")
            #expect(riff.string == "RIFF")
            #expect(await devTools.problems.filter { !$0.contains("401") } == [])
        }
    }
}
