import KilnIngest
import Foundation
import KilnCore
import KilnHTTP
import KilnStore

/// Where `kiln serve` sends SLO alerts.
public struct SLOAlertTargets: Sendable {
    /// A URL POSTed the alert's JSON (`--alert-webhook`).
    public var webhook: URL?
    /// A shell command run with the alert's JSON on stdin (`--alert-command`).
    public var command: String?
    /// Seconds between evaluations (at most 60).
    public var interval: Double
    /// Seconds before the first retry of a failed delivery; each retry waits twice as long.
    public var retryDelay: Double
    /// Deliveries tried per alert before it is given up (and logged).
    public var attempts: Int

    /// Makes targets; evaluations every 30 s, up to 6 tries 1, 2, 4, 8, 16 s apart.
    public init(webhook: URL? = nil, command: String? = nil, interval: Double = 30, retryDelay: Double = 1, attempts: Int = 6) {
        self.webhook = webhook
        self.command = command
        self.interval = interval
        self.retryDelay = retryDelay
        self.attempts = attempts
    }

    /// Parses `--alert-webhook`: an http or https URL with a host.
    public static func parseWebhook(_ text: String) throws(ServerError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw ServerError(code: .invalidArgument, message: "--alert-webhook: expected an http:// or https:// URL with a host")
        }
        return url
    }

    /// `scheme://host:port/…`: what logs show of a webhook, since user, password, path and query
    /// may all hold secrets (Slack and Teams put theirs in the path).
    public static func redacted(_ url: URL) -> String {
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(url.scheme ?? "http")://\(url.host ?? "?")\(port)/…"
    }
}

/// Evaluates every SLO of the store on a timer and tells the webhook and the command when one
/// of its alerts starts firing or resolves.
///
/// It never blocks ingestion: it reads the store through its own connection on its own thread,
/// and delivers on another, so a slow or dead receiver delays only later alerts (which keep
/// their order). Each evaluation covers the events committed up to that moment, ending at the
/// wall-clock time. An alert firing when the server starts is reported as it is first seen.
public final class SLOAlerter: @unchecked Sendable {
    private let loadSLOs: @Sendable () throws -> [SLODefinition]
    private let openBackend: @Sendable () throws -> any EventBackend
    private let targets: SLOAlertTargets
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var stopping = false
    private var firing: Set<String> = []
    private var lastProblem: String?
    private var thread: Thread?
    // One queue per target, so that a dead webhook does not hold back the command.
    private let webhookQueue = DispatchQueue(label: "kiln.slo-alerts.webhook")
    private let commandQueue = DispatchQueue(label: "kiln.slo-alerts.command")
    private let stopped = DispatchSemaphore(value: 0)

    /// Makes an alerter for the store at `storePath`; `log` receives one line per event.
    public convenience init(storePath: String, targets: SLOAlertTargets, log: @escaping @Sendable (String) -> Void) {
        self.init(slos: { try EventStore.slos(path: storePath) }, backend: { try EmbeddedBackend(path: storePath) }, targets: targets, log: log)
    }

    /// Makes an alerter for any store: `slos` lists its SLOs at each evaluation, `backend`
    /// opens (once) what counts their events.
    public init(slos: @escaping @Sendable () throws -> [SLODefinition], backend: @escaping @Sendable () throws -> any EventBackend,
                targets: SLOAlertTargets, log: @escaping @Sendable (String) -> Void) {
        loadSLOs = slos
        openBackend = backend
        self.targets = targets
        self.log = log
    }

    /// Starts evaluating on a background thread.
    public func start() {
        let thread = Thread { [self] in
            var backend: (any EventBackend)?
            while !isStopping {
                evaluate(&backend)
                let until = Date().addingTimeInterval(min(60, max(0.05, targets.interval)))
                while !isStopping && Date() < until { Thread.sleep(forTimeInterval: 0.05) }
            }
            stopped.signal()
        }
        thread.name = "kiln.slo-alerter"
        self.thread = thread
        thread.start()
    }

    /// Stops evaluating; alerts already queued are still tried for up to `drain` seconds.
    public func stop(drain: Double = 5) {
        lock.lock()
        stopping = true
        lock.unlock()
        if thread != nil { stopped.wait() }
        let done = DispatchSemaphore(value: 0)
        webhookQueue.async { done.signal() }
        commandQueue.async { done.signal() }
        let deadline = DispatchTime.now() + drain
        _ = done.wait(timeout: deadline)
        _ = done.wait(timeout: deadline)
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    /// One evaluation of every SLO at the current time.
    private func evaluate(_ backend: inout (any EventBackend)?) {
        let now = KilnServer.nowNanos()
        let slos: [SLODefinition]
        do {
            slos = try loadSLOs()
            if backend == nil, !slos.isEmpty { backend = try openBackend() }
        } catch {
            report("cannot read the SLOs: \(error)")
            return
        }
        var seen: Set<String> = []
        var problems = false
        defer { if !problems { lastProblem = nil } }
        for slo in slos {
            guard let backend else { break }
            let status: SLOStatus
            do {
                status = try backend.sloStatus(slo, at: now)
            } catch {
                report("SLO \(slo.name): \(error)")
                problems = true
                continue
            }
            for alert in status.alerts {
                let key = slo.name + "\u{0}" + alert.rule.key
                seen.insert(key)
                let was = firing.contains(key)
                guard was != alert.firing else { continue }
                if alert.firing { firing.insert(key) } else { firing.remove(key) }
                notify(status.alertEventJSON(alert.rule, firing: alert.firing),
                       what: "SLO \(slo.name) \(alert.rule.key) \(alert.firing ? "firing" : "resolved")")
            }
        }
        // Alerts of removed SLOs are forgotten, not resolved.
        firing.formIntersection(seen)
    }

    /// Logs a problem once until it changes.
    private func report(_ problem: String) {
        guard problem != lastProblem else { return }
        lastProblem = problem
        log("kiln serve: alerts: \(problem)")
    }

    private func notify(_ json: String, what: String) {
        let targets = self.targets, log = self.log
        log("kiln serve: alert: \(Self.printable(what))")
        if let url = targets.webhook {
            webhookQueue.async {
                Self.retrying(targets, what: "\(what) to \(SLOAlertTargets.redacted(url))", log: log) { try Self.post(json, to: url) }
            }
        }
        if let command = targets.command {
            commandQueue.async {
                Self.retrying(targets, what: "\(what) to --alert-command", log: log) { try Self.run(command, stdin: json) }
            }
        }
    }

    private static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : $0 }))
    }

    /// Tries `body` up to `attempts` times, waiting `retryDelay`, then twice as long each time.
    private static func retrying(_ targets: SLOAlertTargets, what: String, log: @Sendable (String) -> Void, _ body: () throws -> Void) {
        var delay = targets.retryDelay
        for attempt in 1...max(1, targets.attempts) {
            do {
                try body()
                return
            } catch {
                let last = attempt >= targets.attempts
                log("kiln serve: alert: sending \(printable(what)) failed (\(error))" + (last ? "; giving up" : "; retrying in \(delay) s"))
                if last { return }
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
        }
    }

    /// POSTs `json` to `url` and waits for a 2xx answer (10 s at most). Credentials in the URL
    /// (`https://user:password@host/...`) go as Basic authorization.
    private static func post(_ json: String, to url: URL) throws {
        guard let parts = URLComponents(url: url, resolvingAgainstBaseURL: false), let host = parts.host, !host.isEmpty else {
            throw DeliveryError(reason: "no host in the webhook URL")
        }
        let tls = parts.scheme?.lowercased() == "https"
        let path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        let target = path + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        var headers = [("Content-Type", "application/json"), ("User-Agent", "kiln")]
        if let user = parts.user {
            headers.append(("Authorization", "Basic " + Data("\(user):\(parts.password ?? "")".utf8).base64EncodedString()))
        }
        let response: HTTPPost.Response
        do {
            response = try HTTPPost.send(host: host, port: parts.port ?? (tls ? 443 : 80), target: target, headers: headers,
                                         body: Array(json.utf8), tls: tls, timeout: 10)
        } catch {
            // Connection errors name no part of the URL but the host; keep only their reason.
            throw DeliveryError(reason: "network error: \(error)")
        }
        guard (200..<300).contains(response.status) else { throw DeliveryError(reason: "HTTP \(response.status)") }
    }

    /// Runs `command` with `/bin/sh -c`, `stdin` on its standard input; fails unless it exits 0
    /// within 30 s.
    private static func run(_ command: String, stdin: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.standardError
        try process.run()
        input.fileHandleForWriting.write(Data((stdin + "\n").utf8))
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            process.terminate()
            throw DeliveryError(reason: "the command ran for more than 30 s")
        }
        guard process.terminationStatus == 0 else { throw DeliveryError(reason: "the command exited with \(process.terminationStatus)") }
    }
}

/// Why one delivery failed.
private struct DeliveryError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

