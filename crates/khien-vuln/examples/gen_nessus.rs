//! Generator of a large, realistic Nessus v2 report (`NessusClientData_v2`) for the
//! vulnerability-import benchmark (`bench/vuln.sh`).
//!
//! The structure follows the real exports in `shared/testdata/scans/nessus/`: a `<Policy>`
//! block, then a `<Report>` of `<ReportHost name=IP>` elements, each with `<HostProperties>`
//! tags and `<ReportItem>`s carrying the usual children (description, solution, synopsis,
//! CVSS v2/v3, CVEs, CWEs, xrefs, dates, plugin output...). Findings come from a fixed pool of
//! about 2,000 plugins built deterministically from the seed, with description lengths like
//! Nessus's (a few hundred to ~2,000 characters) and a severity mix like real scans. Every
//! (host, plugin, port) appears once, so nothing deduplicates away inside the report.
//!
//! `cargo run --release -p khien-vuln --example gen_nessus -- --findings 500000 --hosts 5000
//! --out FILE [--seed N] [--start UNIX]`. The same arguments always give the same bytes.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};

/// SplitMix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 11) as u128 * n as u128) >> 53) as usize
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: usize, hi_inclusive: usize) -> usize {
        lo + self.below(hi_inclusive - lo + 1)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A network service a plugin can be about: product name, CPE, family, port, svc_name, protocol.
struct Service {
    product: &'static str,
    cpe: &'static str,
    family: &'static str,
    port: u16,
    svc: &'static str,
    proto: &'static str,
    /// Whether the service speaks HTTP(S) and may run on other web ports.
    web: bool,
}

const fn svc(
    product: &'static str,
    cpe: &'static str,
    family: &'static str,
    port: u16,
    svc: &'static str,
    proto: &'static str,
    web: bool,
) -> Service {
    Service { product, cpe, family, port, svc, proto, web }
}

const SERVICES: &[Service] = &[
    svc("Apache HTTP Server", "cpe:/a:apache:http_server", "Web Servers", 80, "www", "tcp", true),
    svc("Apache Tomcat", "cpe:/a:apache:tomcat", "Web Servers", 8080, "www", "tcp", true),
    svc("nginx", "cpe:/a:nginx:nginx", "Web Servers", 443, "www", "tcp", true),
    svc("Microsoft IIS", "cpe:/a:microsoft:internet_information_services", "Web Servers", 80, "www", "tcp", true),
    svc("PHP", "cpe:/a:php:php", "CGI abuses", 80, "www", "tcp", true),
    svc("WordPress", "cpe:/a:wordpress:wordpress", "CGI abuses", 443, "www", "tcp", true),
    svc("Drupal", "cpe:/a:drupal:drupal", "CGI abuses", 80, "www", "tcp", true),
    svc("Joomla!", "cpe:/a:joomla:joomla!", "CGI abuses", 80, "www", "tcp", true),
    svc("Oracle WebLogic Server", "cpe:/a:oracle:weblogic_server", "Web Servers", 7001, "www", "tcp", true),
    svc("Jenkins", "cpe:/a:jenkins:jenkins", "CGI abuses", 8080, "www", "tcp", true),
    svc("GitLab", "cpe:/a:gitlab:gitlab", "CGI abuses", 443, "www", "tcp", true),
    svc("Grafana", "cpe:/a:grafana:grafana", "CGI abuses", 3000, "www", "tcp", true),
    svc("Zimbra Collaboration Suite", "cpe:/a:zimbra:collaboration_suite", "CGI abuses", 443, "www", "tcp", true),
    svc("Microsoft Exchange Server", "cpe:/a:microsoft:exchange_server", "Windows", 443, "www", "tcp", true),
    svc("Fortinet FortiOS", "cpe:/o:fortinet:fortios", "Firewalls", 443, "www", "tcp", true),
    svc("VMware vCenter Server", "cpe:/a:vmware:vcenter_server", "Misc.", 443, "www", "tcp", true),
    svc("Elasticsearch", "cpe:/a:elastic:elasticsearch", "Databases", 9200, "www", "tcp", true),
    svc("OpenSSH", "cpe:/a:openbsd:openssh", "Misc.", 22, "ssh", "tcp", false),
    svc("Dropbear SSH", "cpe:/a:dropbear_ssh_project:dropbear_ssh", "Misc.", 22, "ssh", "tcp", false),
    svc("OpenSSL", "cpe:/a:openssl:openssl", "Web Servers", 443, "www", "tcp", true),
    svc("MySQL", "cpe:/a:mysql:mysql", "Databases", 3306, "mysql", "tcp", false),
    svc("MariaDB", "cpe:/a:mariadb:mariadb", "Databases", 3306, "mysql", "tcp", false),
    svc("PostgreSQL", "cpe:/a:postgresql:postgresql", "Databases", 5432, "postgresql", "tcp", false),
    svc("Microsoft SQL Server", "cpe:/a:microsoft:sql_server", "Databases", 1433, "mssql", "tcp", false),
    svc("Oracle Database Server", "cpe:/a:oracle:database_server", "Databases", 1521, "oracle_tnslsnr", "tcp", false),
    svc("MongoDB", "cpe:/a:mongodb:mongodb", "Databases", 27017, "mongodb", "tcp", false),
    svc("Redis", "cpe:/a:redis:redis", "Databases", 6379, "redis", "tcp", false),
    svc("Exim", "cpe:/a:exim:exim", "SMTP problems", 25, "smtp", "tcp", false),
    svc("Postfix", "cpe:/a:postfix:postfix", "SMTP problems", 25, "smtp", "tcp", false),
    svc("Dovecot", "cpe:/a:dovecot:dovecot", "Misc.", 143, "imap", "tcp", false),
    svc("ISC BIND", "cpe:/a:isc:bind", "DNS", 53, "dns", "udp", false),
    svc("Samba", "cpe:/a:samba:samba", "Misc.", 445, "cifs", "tcp", false),
    svc("Microsoft Windows SMB", "cpe:/o:microsoft:windows", "Windows", 445, "cifs", "tcp", false),
    svc("Microsoft Remote Desktop", "cpe:/o:microsoft:windows", "Windows", 3389, "msrdp", "tcp", false),
    svc("vsftpd", "cpe:/a:beasts:vsftpd", "FTP", 21, "ftp", "tcp", false),
    svc("ProFTPD", "cpe:/a:proftpd:proftpd", "FTP", 21, "ftp", "tcp", false),
    svc("Squid", "cpe:/a:squid-cache:squid", "Firewalls", 3128, "http_proxy", "tcp", false),
    svc("Net-SNMP", "cpe:/a:net-snmp:net-snmp", "SNMP", 161, "snmp", "udp", false),
    svc("NTP", "cpe:/a:ntp:ntp", "Misc.", 123, "ntp", "udp", false),
    svc("Memcached", "cpe:/a:memcached:memcached", "Misc.", 11211, "memcache", "tcp", false),
    svc("Cisco IOS", "cpe:/o:cisco:ios", "CISCO", 22, "ssh", "tcp", false),
];

const VULN_TYPES: &[(&str, &str)] = &[
    ("remote code execution", "CWE-94"),
    ("heap-based buffer overflow", "CWE-122"),
    ("stack-based buffer overflow", "CWE-121"),
    ("use-after-free", "CWE-416"),
    ("SQL injection", "CWE-89"),
    ("cross-site scripting (XSS)", "CWE-79"),
    ("cross-site request forgery (CSRF)", "CWE-352"),
    ("denial of service (DoS)", "CWE-400"),
    ("information disclosure", "CWE-200"),
    ("directory traversal", "CWE-22"),
    ("authentication bypass", "CWE-287"),
    ("privilege escalation", "CWE-269"),
    ("server-side request forgery (SSRF)", "CWE-918"),
    ("XML external entity (XXE) injection", "CWE-611"),
    ("improper input validation", "CWE-20"),
    ("integer overflow", "CWE-190"),
    ("NULL pointer dereference", "CWE-476"),
    ("out-of-bounds read", "CWE-125"),
    ("out-of-bounds write", "CWE-787"),
    ("HTTP request smuggling", "CWE-444"),
    ("open redirect", "CWE-601"),
    ("insecure deserialization", "CWE-502"),
    ("command injection", "CWE-78"),
    ("race condition", "CWE-362"),
];

const COMPONENTS: &[&str] = &[
    "the HTTP/2 request handler",
    "the mod_proxy module",
    "the authentication component",
    "the session management code",
    "the XML parser",
    "the file upload handler",
    "the administrative web console",
    "the TLS handshake implementation",
    "the URL normalization routine",
    "the REST API",
    "the query planner",
    "the replication protocol handler",
    "the SMTP command parser",
    "the LDAP integration",
    "the image processing library",
    "the JSON deserializer",
    "the logging subsystem",
    "the password reset feature",
    "the template engine",
    "the DNS resolver",
    "the multipart form parser",
    "the SNMP agent",
    "the SSH key exchange code",
    "the cache manager",
];

const CAUSES: &[&str] = &[
    "due to improper validation of user-supplied input",
    "due to a missing bounds check when copying data into a fixed-size buffer",
    "due to improper handling of specially crafted requests",
    "due to a failure to properly sanitize HTTP headers",
    "due to an error when processing malformed packets",
    "due to insufficient access restrictions on certain endpoints",
    "due to a logic error in how object lifetimes are tracked",
    "due to improper neutralization of special elements used in a query",
    "because the application trusts client-controlled path components",
    "due to an unchecked length field in the protocol parser",
    "due to improper locking when multiple threads access shared state",
    "because default credentials are accepted after an upgrade",
];

const ATTACKERS: &[&str] = &[
    "An unauthenticated, remote attacker",
    "An authenticated, remote attacker",
    "A remote attacker",
    "An authenticated, local attacker",
    "An unauthenticated, adjacent attacker",
];

const IMPACTS: &[&str] = &[
    "execute arbitrary code with the privileges of the affected service",
    "cause the service to stop responding",
    "disclose potentially sensitive information",
    "bypass authentication and gain administrative access",
    "read arbitrary files on the remote host",
    "inject arbitrary script code into a user's browser session",
    "escalate privileges on the affected system",
    "modify data stored in the backend database",
    "redirect users to a malicious website",
    "exhaust available memory and crash the process",
    "perform actions on behalf of an authenticated administrator",
    "poison the cache and serve attacker-controlled content",
];

const CONFIG_ISSUES: &[(&str, &str, &str, &str)] = &[
    (
        "SSL Certificate Cannot Be Trusted",
        "The SSL certificate for this service cannot be trusted.",
        "The server's X.509 certificate cannot be trusted. This situation can occur in three different ways, in which the chain of trust can be broken. First, the top of the certificate chain sent by the server might not be descended from a known public certificate authority. Second, the certificate chain may contain a certificate that is not valid at the time of the scan. Third, the certificate chain may contain a signature that either didn't match the certificate's information or could not be verified.",
        "Purchase or generate a proper SSL certificate for this service.",
    ),
    (
        "SSL Self-Signed Certificate",
        "The SSL certificate chain for this service ends in an unrecognized self-signed certificate.",
        "The X.509 certificate chain for this service is not signed by a recognized certificate authority. If the remote host is a public host in production, this nullifies the use of SSL as anyone could establish a man-in-the-middle attack against the remote host.",
        "Purchase or generate a proper SSL certificate for this service.",
    ),
    (
        "TLS Version 1.0 Protocol Detection",
        "The remote service encrypts traffic using an older version of TLS.",
        "The remote service accepts connections encrypted using TLS 1.0. TLS 1.0 has a number of cryptographic design flaws. Modern implementations of TLS 1.0 mitigate these problems, but newer versions of TLS like 1.2 and 1.3 are designed against these flaws and should be used whenever possible. As of March 31, 2020, Endpoints that aren't enabled for TLS 1.2 and higher will no longer function properly with major web browsers and major vendors.",
        "Enable support for TLS 1.2 and 1.3, and disable support for TLS 1.0.",
    ),
    (
        "SSL Medium Strength Cipher Suites Supported (SWEET32)",
        "The remote service supports the use of medium strength SSL ciphers.",
        "The remote host supports the use of SSL ciphers that offer medium strength encryption. Nessus regards medium strength as any encryption that uses key lengths at least 64 bits and less than 112 bits, or else that uses the 3DES encryption suite. Note that it is considerably easier to circumvent medium strength encryption if the attacker is on the same physical network.",
        "Reconfigure the affected application if possible to avoid use of medium strength ciphers.",
    ),
    (
        "SSH Weak Algorithms Supported",
        "The remote SSH server is configured to allow weak encryption algorithms or no algorithm at all.",
        "Nessus has detected that the remote SSH server is configured to use the Arcfour stream cipher or no cipher at all. RFC 4253 advises against using Arcfour due to an issue with weak keys.",
        "Contact the vendor or consult product documentation to remove the weak ciphers.",
    ),
    (
        "SMB Signing not required",
        "Signing is not required on the remote SMB server.",
        "Signing is not required on the remote SMB server. An unauthenticated, remote attacker can exploit this to conduct man-in-the-middle attacks against the SMB server.",
        "Enforce message signing in the host's configuration. On Windows, this is found in the policy setting 'Microsoft network server: Digitally sign communications (always)'.",
    ),
    (
        "HTTP TRACE / TRACK Methods Allowed",
        "Debugging functions are enabled on the remote web server.",
        "The remote web server supports the TRACE and/or TRACK methods. TRACE and TRACK are HTTP methods that are used to debug web server connections.",
        "Disable these HTTP methods. Refer to the plugin output for more information.",
    ),
    (
        "Web Server Directory Listing Enabled",
        "The remote web server lists the content of some directories.",
        "The remote web server is configured to display the list of files in a directory when no index page is present. This may disclose the names of backup files, scripts and other content that was not meant to be published.",
        "Disable directory browsing in the web server's configuration.",
    ),
    (
        "SNMP Agent Default Community Name (public)",
        "The community name of the remote SNMP server can be guessed.",
        "It is possible to obtain the default community name of the remote SNMP server. An attacker may use this information to gain more knowledge about the remote host, or to change the configuration of the remote system (if the default community allows such modifications).",
        "Disable the SNMP service on the remote host if you do not use it. Either filter incoming UDP packets going to this port, or change the default community string.",
    ),
    (
        "Unencrypted Telnet Server",
        "The remote Telnet server transmits traffic in cleartext.",
        "The remote host is running a Telnet server over an unencrypted channel. Using Telnet over an unencrypted channel is not recommended as logins, passwords, and commands are transferred in cleartext.",
        "Disable the Telnet service and use SSH instead.",
    ),
];

const INFO_KINDS: &[(&str, &str, &str)] = &[
    (
        "Detection",
        "The remote host is running {P}.",
        "Nessus was able to detect {P} on the remote host by examining the banner returned by the service and comparing it with known fingerprints.",
    ),
    (
        "Version Detection",
        "It was possible to obtain the version number of {P}.",
        "Nessus was able to obtain the version number of {P} from the remote service. The version is reported in the plugin output so that other plugins may rely on it.",
    ),
    (
        "Installed (Linux / Unix)",
        "{P} is installed on the remote host.",
        "{P} is installed on the remote Linux / Unix host. Nessus enumerated the installation using the package manager and the binaries found on disk.",
    ),
    (
        "Service Banner Information",
        "A banner is returned by {P}.",
        "The remote service returns a banner when a client connects. The banner identifies {P} and sometimes its version and build options.",
    ),
];

const INFO_FILLER: &[&str] = &[
    "This information may help an attacker to refine further attacks against the host.",
    "Note that this plugin only reports information and does not indicate a vulnerability.",
    "The plugin output lists the data collected during the scan.",
    "Other plugins rely on this information to decide which checks apply to the host.",
    "Results may be incomplete if the scan was performed without credentials.",
    "The detection is based on the response to a standard protocol request and may be affected by intermediate proxies or load balancers.",
    "Administrators should review the reported data and confirm that it matches the expected configuration of the host.",
    "If the reported software is not required, consider removing it to reduce the attack surface of the host.",
    "Running a credentialed scan allows Nessus to collect more accurate version and configuration details.",
    "The same information may be reported by several plugins when the service listens on more than one port.",
];

const OSES: &[(&str, &str, &str)] = &[
    ("Linux Kernel 5.15 on Ubuntu 22.04", "linux", "cpe:/o:canonical:ubuntu_linux:22.04"),
    ("Linux Kernel 4.18 on CentOS Linux release 8", "linux", "cpe:/o:centos:centos:8"),
    ("Linux Kernel 3.10 on CentOS Linux release 7", "linux", "cpe:/o:centos:centos:7"),
    ("Linux Kernel 5.10 on Debian 11", "linux", "cpe:/o:debian:debian_linux:11"),
    ("Linux Kernel 5.14 on Red Hat Enterprise Linux 9", "linux", "cpe:/o:redhat:enterprise_linux:9"),
    ("Microsoft Windows Server 2019 Standard", "windows", "cpe:/o:microsoft:windows_server_2019"),
    ("Microsoft Windows Server 2016 Standard", "windows", "cpe:/o:microsoft:windows_server_2016"),
    ("Microsoft Windows Server 2012 R2 Standard", "windows", "cpe:/o:microsoft:windows_server_2012:r2"),
    ("Microsoft Windows 10 Pro", "windows", "cpe:/o:microsoft:windows_10"),
    ("Cisco IOS 15.2", "other", "cpe:/o:cisco:ios:15.2"),
    ("FortiOS on Fortinet FortiGate", "other", "cpe:/o:fortinet:fortios"),
    ("VMware ESXi 7.0", "other", "cpe:/o:vmware:esxi:7.0"),
];

const HOSTNAME_UNITS: &[&str] =
    &["soyte", "stc", "stttt", "skhdt", "sgddt", "sxd", "snv", "stp", "ubnd", "vpubnd", "bvdk", "ttcntt"];
const HOSTNAME_ROLES: &[&str] = &["web", "app", "db", "mail", "dns", "fw", "vpn", "portal", "dvc", "file", "backup"];

/// One plugin of the pool, with its children rendered (and escaped) once.
struct Plugin {
    id: u32,
    name: String,
    family: &'static str,
    severity: u8,
    /// Index into `SERVICES`, or `None` for host-level plugins (port 0, "general").
    service: Option<usize>,
    kind: PluginKind,
    /// The escaped XML children except `plugin_output`.
    body: String,
    description_len: usize,
    installed: String,
    fixed: String,
}

#[derive(Clone, Copy, PartialEq)]
enum PluginKind {
    ScanInfo,
    OsId,
    DeviceType,
    Cpe,
    Traceroute,
    Timestamps,
    Fqdn,
    SynScanner,
    Info,
    Config,
    Version,
}

fn esc_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    esc_into(&mut out, s);
    out
}

fn elem(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>");
    esc_into(out, text);
    let _ = writeln!(out, "</{name}>");
}

/// A description length like Nessus's: a few hundred to ~2,000 characters.
fn target_len(rng: &mut Rng, mean_extra: f64, min: usize) -> usize {
    let extra = -mean_extra * (1.0 - rng.unit()).ln();
    (min + extra as usize).min(2200)
}

fn version(rng: &mut Rng) -> (String, String) {
    let major = rng.range(1, 12);
    let minor = rng.range(0, 9);
    let fixed_patch = rng.range(1, 40);
    let installed_patch = rng.below(fixed_patch);
    (format!("{major}.{minor}.{installed_patch}"), format!("{major}.{minor}.{fixed_patch}"))
}

fn date(rng: &mut Rng, from_year: usize, to_year: usize) -> String {
    format!("{}/{:02}/{:02}", rng.range(from_year, to_year), rng.range(1, 12), rng.range(1, 28))
}

fn cvss3_vector(rng: &mut Rng, severity: u8) -> String {
    let av = if severity >= 3 { "N" } else { rng.pick(&["N", "A", "L"]) };
    let ac = if rng.chance(0.8) { "L" } else { "H" };
    let pr = if severity == 4 { "N" } else { rng.pick(&["N", "L", "H"]) };
    let ui = if rng.chance(0.75) { "N" } else { "R" };
    let imp = |rng: &mut Rng| if severity >= 3 { "H" } else { rng.pick(&["N", "L", "H"]) };
    let (c, i, a) = (imp(rng), imp(rng), imp(rng));
    format!("CVSS:3.0/AV:{av}/AC:{ac}/PR:{pr}/UI:{ui}/S:U/C:{c}/I:{i}/A:{a}")
}

fn cvss2_vector(rng: &mut Rng, severity: u8) -> String {
    let imp = |rng: &mut Rng| if severity >= 3 { "C" } else { rng.pick(&["N", "P", "P", "C"]) };
    let ac = if rng.chance(0.8) { "L" } else { "M" };
    let au = if severity == 4 || rng.chance(0.7) { "N" } else { "S" };
    let (c, i, a) = (imp(rng), imp(rng), imp(rng));
    format!("CVSS2#AV:N/AC:{ac}/Au:{au}/C:{c}/I:{i}/A:{a}")
}

fn score(rng: &mut Rng, severity: u8) -> f64 {
    let (lo, hi) = match severity {
        4 => (90, 100),
        3 => (70, 89),
        2 => (40, 69),
        _ => (10, 39),
    };
    rng.range(lo, hi) as f64 / 10.0
}

fn fname(name: &str) -> String {
    let mut s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    format!("{}.nasl", s.trim_matches('_').chars().take(48).collect::<String>())
}

fn cve(rng: &mut Rng) -> String {
    format!("CVE-{}-{}", rng.range(2014, 2024), rng.range(1000, 49999))
}

/// Everything a plugin's body needs beyond its text.
struct Meta<'a> {
    severity: u8,
    name: &'a str,
    description: &'a str,
    solution: &'a str,
    synopsis: &'a str,
    cpe: Option<&'a str>,
    cves: &'a [String],
    cwes: &'a [&'a str],
    see_also: &'a [String],
    plugin_type: &'a str,
}

fn render_body(rng: &mut Rng, m: &Meta<'_>) -> String {
    let mut b = String::with_capacity(m.description.len() + 1200);
    let vuln = m.severity > 0;
    if vuln && rng.chance(0.6) {
        elem(&mut b, "age_of_vuln", rng.pick(&["0 - 7 days", "30 - 60 days", "365 - 730 days", "730 days +"]));
    }
    if vuln && rng.chance(0.3) {
        for _ in 0..rng.range(1, 3) {
            elem(&mut b, "bid", &rng.range(10000, 109999).to_string());
        }
    }
    if let Some(cpe) = m.cpe {
        elem(&mut b, "cpe", cpe);
    }
    for c in m.cves {
        elem(&mut b, "cve", c);
    }
    if vuln {
        let s3 = score(rng, m.severity);
        elem(&mut b, "cvss3_base_score", &format!("{s3:.1}"));
        elem(&mut b, "cvss3_temporal_score", &format!("{:.1}", (s3 - 0.6).max(0.1)));
        elem(&mut b, "cvss3_vector", &cvss3_vector(rng, m.severity));
        let s2 = score(rng, m.severity.min(3));
        elem(&mut b, "cvss_base_score", &format!("{s2:.1}"));
        elem(&mut b, "cvss_temporal_score", &format!("{:.1}", (s2 - 0.7).max(0.1)));
        elem(&mut b, "cvss_temporal_vector", "CVSS2#E:U/RL:OF/RC:C");
        elem(&mut b, "cvss_vector", &cvss2_vector(rng, m.severity));
    }
    for c in m.cwes {
        elem(&mut b, "cwe", c);
    }
    elem(&mut b, "description", m.description);
    if vuln {
        elem(&mut b, "exploit_available", if rng.chance(0.25) { "true" } else { "false" });
        elem(&mut b, "exploit_code_maturity", rng.pick(&["Unproven", "PoC", "Functional", "High"]));
        elem(&mut b, "exploitability_ease", rng.pick(&["No known exploits are available", "Exploits are available"]));
    }
    elem(&mut b, "fname", &fname(m.name));
    if vuln && !m.cves.is_empty() {
        elem(&mut b, "iava", &format!("{}-A-0{}-S", rng.range(2016, 2024), rng.range(100, 999)));
        elem(&mut b, "patch_publication_date", &date(rng, 2015, 2024));
    }
    elem(&mut b, "plugin_modification_date", &date(rng, 2022, 2024));
    elem(&mut b, "plugin_name", m.name);
    elem(&mut b, "plugin_publication_date", &date(rng, 2004, 2021));
    elem(&mut b, "plugin_type", m.plugin_type);
    if vuln {
        elem(&mut b, "required_key", "installed_sw/Product");
    }
    elem(&mut b, "risk_factor", ["None", "Low", "Medium", "High", "Critical"][m.severity as usize]);
    elem(&mut b, "script_version", &format!("1.{}", rng.range(1, 60)));
    if !m.see_also.is_empty() {
        elem(&mut b, "see_also", &m.see_also.join("\n"));
    }
    elem(&mut b, "solution", m.solution);
    elem(&mut b, "synopsis", m.synopsis);
    if vuln {
        elem(&mut b, "threat_intensity_last_28", rng.pick(&["Very Low", "Low", "Medium", "High"]));
        elem(&mut b, "vpr_score", &format!("{:.1}", score(rng, m.severity)));
        elem(&mut b, "vuln_publication_date", &date(rng, 2014, 2024));
    }
    for c in m.cwes {
        elem(&mut b, "xref", &format!("CWE:{}", c.trim_start_matches("CWE-")));
    }
    if vuln && !m.cves.is_empty() {
        elem(&mut b, "xref", &format!("IAVA:{}-A-0{}", rng.range(2016, 2024), rng.range(100, 999)));
    }
    b
}

/// Append sentences of `pool` (each at most once, in a random order) until `target` bytes.
fn fill(rng: &mut Rng, text: &mut String, target: usize, pool: &[&str]) {
    let mut order: Vec<&str> = pool.to_vec();
    while text.len() < target && !order.is_empty() {
        let s = order.swap_remove(rng.below(order.len()));
        text.push(' ');
        text.push_str(s);
    }
}

fn version_plugin(rng: &mut Rng, id: u32, severity: u8, service: usize) -> Plugin {
    let s = &SERVICES[service];
    let (installed, fixed) = version(rng);
    let major = fixed.split('.').next().unwrap_or("1").to_string();
    let multi = rng.chance(0.7);
    let (vt, cwe) = rng.pick(VULN_TYPES);
    let name = if multi {
        format!("{} {major}.x < {fixed} Multiple Vulnerabilities", s.product)
    } else {
        let mut vt_title: String = vt.split(' ').map(capitalize).collect::<Vec<_>>().join(" ");
        vt_title = vt_title.replace("(xss)", "(XSS)").replace("(dos)", "(DoS)");
        format!("{} < {fixed} {vt_title}", s.product)
    };
    let target = target_len(rng, 650.0, 300);
    let mut d = format!(
        "According to its self-reported version number, the version of {} installed on the remote host is prior to {fixed}. It is, therefore, affected by {}",
        s.product,
        if multi {
            format!("multiple vulnerabilities as referenced in the {fixed} advisory:")
        } else {
            format!("a {vt} vulnerability:")
        }
    );
    let mut cves = Vec::new();
    let mut cwes = vec![cwe];
    loop {
        let (vt2, cwe2) = if cves.is_empty() { (vt, cwe) } else { rng.pick(VULN_TYPES) };
        if !cwes.contains(&cwe2) && cwes.len() < 4 {
            cwes.push(cwe2);
        }
        let c = cve(rng);
        let _ = write!(
            d,
            "\n\n  - A {vt2} vulnerability exists in {} {}. {} can exploit this{} to {}. ({c})",
            rng.pick(COMPONENTS),
            rng.pick(CAUSES),
            rng.pick(ATTACKERS),
            if rng.chance(0.5) { ", by sending a specially crafted request," } else { "" },
            rng.pick(IMPACTS)
        );
        cves.push(c);
        if !multi || d.len() + 180 >= target || cves.len() >= 24 {
            break;
        }
    }
    d.push_str("\n\nNote that Nessus has not tested for these issues but has instead relied only on the application's self-reported version number.");
    let solution = format!("Upgrade to {} version {fixed} or later.", s.product);
    let synopsis = format!(
        "The remote host is affected by {}.",
        if multi { "multiple vulnerabilities".to_string() } else { format!("a {vt} vulnerability") }
    );
    let see_also = vec![
        format!("https://www.tenable.com/plugins/nessus/{id}"),
        format!("https://nvd.nist.gov/vuln/detail/{}", cves[0]),
    ];
    let meta = Meta {
        severity,
        name: &name,
        description: &d,
        solution: &solution,
        synopsis: &synopsis,
        cpe: Some(s.cpe),
        cves: &cves,
        cwes: &cwes,
        see_also: &see_also,
        plugin_type: if rng.chance(0.7) { "remote" } else { "combined" },
    };
    let body = render_body(rng, &meta);
    Plugin {
        id,
        name,
        family: s.family,
        severity,
        service: Some(service),
        kind: PluginKind::Version,
        body,
        description_len: d.len(),
        installed,
        fixed,
    }
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn config_plugin(rng: &mut Rng, id: u32, severity: u8, service: usize) -> Plugin {
    let s = &SERVICES[service];
    let (title, synopsis, desc, solution) = rng.pick(CONFIG_ISSUES);
    let name = format!("{title} ({})", s.product);
    let target = target_len(rng, 450.0, 250);
    let mut d = desc.to_string();
    let extra = [
        "The issue was confirmed by sending a series of protocol requests to the affected service.",
        "Systems that are exposed to untrusted networks are at higher risk.",
        "Compliance frameworks such as PCI DSS and ISO/IEC 27001 require this setting to be corrected.",
        "An attacker positioned on the network path can take advantage of this weakness without authentication.",
        "The finding applies to every virtual host served on the affected port.",
        "Default installations of the product are known to ship with this configuration.",
        "The setting can usually be changed without restarting the service, but existing sessions may be affected.",
        "Scanning from a host inside the same network segment may reveal additional affected services.",
        "Vendors recommend reviewing the hardening guide for the product after correcting this issue.",
    ];
    fill(rng, &mut d, target, &extra);
    let see_also = vec![format!("https://www.tenable.com/plugins/nessus/{id}")];
    let cwes: Vec<&str> = if rng.chance(0.5) { vec!["CWE-326"] } else { Vec::new() };
    let meta = Meta {
        severity,
        name: &name,
        description: &d,
        solution,
        synopsis,
        cpe: None,
        cves: &[],
        cwes: &cwes,
        see_also: &see_also,
        plugin_type: "remote",
    };
    let body = render_body(rng, &meta);
    Plugin {
        id,
        name,
        family: s.family,
        severity,
        service: Some(service),
        kind: PluginKind::Config,
        body,
        description_len: d.len(),
        installed: String::new(),
        fixed: String::new(),
    }
}

fn info_plugin(rng: &mut Rng, id: u32, service: Option<usize>, kind: PluginKind, fixed_name: Option<&str>) -> Plugin {
    let (name, synopsis, mut d, family) = match (fixed_name, service) {
        (Some(n), _) => {
            let synopsis = format!("Nessus was able to gather information: {}.", n.to_lowercase());
            let d =
                format!("This plugin reports {} for the remote host, as determined during the scan.", n.to_lowercase());
            (n.to_string(), synopsis, d, if kind == PluginKind::SynScanner { "Port scanners" } else { "General" })
        }
        (None, Some(si)) => {
            let s = &SERVICES[si];
            let (suffix, syn, desc) = rng.pick(INFO_KINDS);
            (
                format!("{} {suffix}", s.product),
                syn.replace("{P}", s.product),
                desc.replace("{P}", s.product),
                if s.family == "Windows" { "Windows" } else { "Service detection" },
            )
        }
        (None, None) => {
            let (suffix, syn, desc) = rng.pick(INFO_KINDS);
            let topic = rng.pick(&["Host", "Network Interface", "Software Inventory", "Patch Report", "Local Users"]);
            (
                format!("{topic} {suffix}"),
                syn.replace("{P}", &format!("the {}", topic.to_lowercase())),
                desc.replace("{P}", &format!("the {}", topic.to_lowercase())),
                "General",
            )
        }
    };
    let target = target_len(rng, 300.0, 150);
    fill(rng, &mut d, target, INFO_FILLER);
    let cpe = service.map(|s| SERVICES[s].cpe);
    let meta = Meta {
        severity: 0,
        name: &name,
        description: &d,
        solution: "n/a",
        synopsis: &synopsis,
        cpe,
        cves: &[],
        cwes: &[],
        see_also: &[],
        plugin_type: if rng.chance(0.5) { "remote" } else { "combined" },
    };
    let body = render_body(rng, &meta);
    Plugin {
        id,
        name,
        family,
        severity: 0,
        service,
        kind,
        body,
        description_len: d.len(),
        installed: String::new(),
        fixed: String::new(),
    }
}

/// The plugin pool: fixed host-level plugins first, then `n` generated ones.
fn build_plugins(rng: &mut Rng, n: usize) -> Vec<Plugin> {
    let fixed: &[(u32, &str, PluginKind)] = &[
        (19506, "Nessus Scan Information", PluginKind::ScanInfo),
        (11936, "OS Identification", PluginKind::OsId),
        (54615, "Device Type", PluginKind::DeviceType),
        (45590, "Common Platform Enumeration (CPE)", PluginKind::Cpe),
        (10287, "Traceroute Information", PluginKind::Traceroute),
        (25220, "TCP/IP Timestamps Supported", PluginKind::Timestamps),
        (12053, "Host Fully Qualified Domain Name (FQDN) Resolution", PluginKind::Fqdn),
        (11219, "Nessus SYN scanner", PluginKind::SynScanner),
    ];
    let mut used: HashSet<u32> = fixed.iter().map(|f| f.0).collect();
    let mut plugins: Vec<Plugin> =
        fixed.iter().map(|(id, name, kind)| info_plugin(rng, *id, None, *kind, Some(name))).collect();
    let mut next_id = || loop {
        let id = rng.range(10_000, 210_000) as u32;
        if used.insert(id) {
            return id;
        }
    };
    let ids: Vec<u32> = (0..n).map(|_| next_id()).collect();
    for (k, id) in ids.into_iter().enumerate() {
        // Pool shares by severity: info 30%, low 8%, medium 35%, high 19%, critical 8%.
        let r = (k * 100) / n.max(1);
        let service = rng.below(SERVICES.len());
        let p = match r {
            0..=29 => {
                let service = rng.chance(0.8).then_some(service);
                info_plugin(rng, id, service, PluginKind::Info, None)
            }
            30..=37 => config_plugin(rng, id, 1, service),
            38..=72 => {
                if rng.chance(0.3) {
                    config_plugin(rng, id, 2, service)
                } else {
                    version_plugin(rng, id, 2, service)
                }
            }
            73..=91 => version_plugin(rng, id, 3, service),
            _ => version_plugin(rng, id, 4, service),
        };
        plugins.push(p);
    }
    plugins
}

/// `Wed Mar 23 15:07:52 2022` for a Unix time (UTC).
fn ctime(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let mn = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(m - 1) as usize];
    format!("{wd} {mn} {d:2} {:02}:{:02}:{:02} {y}", secs / 3600, secs % 3600 / 60, secs % 60)
}

fn policy(out: &mut impl Write, plugins: &[Plugin]) -> std::io::Result<()> {
    writeln!(out, "<Policy><policyName>Advanced Network Scan</policyName>")?;
    writeln!(out, "<Preferences><ServerPreferences>")?;
    let prefs: &[(&str, &str)] = &[
        ("scan.enable_utf8_output", "yes"),
        ("max_hosts", "30"),
        ("max_checks", "5"),
        ("port_range", "default"),
        ("safe_checks", "yes"),
        ("report_verbosity", "1"),
        ("TARGET", "10.0.0.0/8"),
        ("name", "Quet dinh ky toan tinh"),
    ];
    for (k, v) in prefs {
        writeln!(out, "<preference><name>{k}</name><value>{v}</value></preference>")?;
    }
    let mut ids: Vec<u32> = plugins.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    let set: Vec<String> = ids.iter().map(u32::to_string).collect();
    writeln!(out, "<preference><name>plugin_set</name><value>{};</value></preference>", set.join(";"))?;
    writeln!(out, "</ServerPreferences><PluginsPreferences>")?;
    for (name, t, v) in [
        ("Ping the remote host[checkbox]:Do an ARP ping", "checkbox", "yes"),
        ("Nessus SYN scanner[radio]:Firewall detection :", "radio", "Automatic (normal)"),
        ("HTTP login page[entry]:Login page :", "entry", "/"),
    ] {
        let (plugin, pref) = name.split_once(':').unwrap_or((name, ""));
        writeln!(
            out,
            "<item><pluginName>{}</pluginName><pluginId>10180</pluginId><fullName>{}</fullName><preferenceName>{}</preferenceName><preferenceType>{t}</preferenceType><preferenceValues>{v}</preferenceValues><selectedValue>{v}</selectedValue></item>",
            esc(plugin.split('[').next().unwrap_or(plugin)),
            esc(name),
            esc(pref)
        )?;
    }
    writeln!(out, "</PluginsPreferences></Preferences>")?;
    writeln!(out, "<FamilySelection>")?;
    let mut families: Vec<&str> = plugins.iter().map(|p| p.family).collect();
    families.sort_unstable();
    families.dedup();
    for f in families {
        writeln!(out, "<FamilyItem><FamilyName>{}</FamilyName><Status>enabled</Status></FamilyItem>", esc(f))?;
    }
    writeln!(out, "</FamilySelection>")?;
    writeln!(out, "<IndividualPluginSelection>")?;
    for p in plugins.iter().take(8) {
        writeln!(
            out,
            "<PluginItem><PluginId>{}</PluginId><PluginName>{}</PluginName><Family>{}</Family><Status>enabled</Status></PluginItem>",
            p.id,
            esc(&p.name),
            esc(p.family)
        )?;
    }
    writeln!(out, "</IndividualPluginSelection>\n</Policy>")
}

/// A host of the report.
struct Host {
    ip: String,
    fqdn: Option<String>,
    os: usize,
    /// Indexes into `SERVICES` with the port each runs on.
    services: Vec<(usize, u16)>,
    start: i64,
    end: i64,
}

fn make_host(rng: &mut Rng, i: usize, hosts: usize, start: i64) -> Host {
    let subnet = i / 200;
    let a = 1 + subnet / 250;
    let b = (subnet * 37 + 11) % 250;
    let c = 10 + i % 200;
    let ip = format!("10.{a}.{b}.{c}");
    let fqdn = rng.chance(0.7).then(|| {
        format!("{}{:02}.{}.tinh.gov.vn", rng.pick(HOSTNAME_ROLES), rng.range(1, 40), rng.pick(HOSTNAME_UNITS))
    });
    let os = rng.below(OSES.len());
    let mut services: Vec<(usize, u16)> = Vec::new();
    let n = rng.range(2, 9);
    for _ in 0..n * 3 {
        if services.len() >= n {
            break;
        }
        let si = rng.below(SERVICES.len());
        let s = &SERVICES[si];
        let port = if s.web && rng.chance(0.3) { rng.pick(&[80u16, 443, 8080, 8443, 8000, 9443]) } else { s.port };
        if !services.iter().any(|(_, p)| *p == port) {
            services.push((si, port));
        }
    }
    let offset = (i as i64 * 28_800) / hosts.max(1) as i64 + rng.below(120) as i64;
    let hstart = start + offset;
    Host { ip, fqdn, os, services, start: hstart, end: hstart + rng.range(240, 3600) as i64 }
}

fn write_host_properties(out: &mut impl Write, h: &Host, rng: &mut Rng) -> std::io::Result<()> {
    let (os, os_short, cpe) = OSES[h.os];
    writeln!(out, "<HostProperties>")?;
    writeln!(out, "<tag name=\"HOST_END_TIMESTAMP\">{}</tag>", h.end)?;
    writeln!(out, "<tag name=\"HOST_END\">{}</tag>", ctime(h.end))?;
    writeln!(out, "<tag name=\"LastUnauthenticatedResults\">{}</tag>", h.end)?;
    writeln!(out, "<tag name=\"Credentialed_Scan\">false</tag>")?;
    writeln!(out, "<tag name=\"policy-used\">Advanced Network Scan</tag>")?;
    writeln!(out, "<tag name=\"patch-summary-total-cves\">{}</tag>", rng.below(300))?;
    writeln!(out, "<tag name=\"cpe-0\">{cpe} -&gt; {}</tag>", esc(os))?;
    writeln!(out, "<tag name=\"cpe\">{cpe}</tag>")?;
    writeln!(out, "<tag name=\"os\">{os_short}</tag>")?;
    writeln!(out, "<tag name=\"operating-system-conf\">{}</tag>", rng.range(56, 100))?;
    writeln!(out, "<tag name=\"operating-system-method\">{}</tag>", rng.pick(&["SinFP", "SSH", "SMB", "HTTP"]))?;
    writeln!(
        out,
        "<tag name=\"system-type\">{}</tag>",
        if os_short == "other" { "router" } else { "general-purpose" }
    )?;
    writeln!(out, "<tag name=\"operating-system\">{}</tag>", esc(os))?;
    writeln!(out, "<tag name=\"traceroute-hop-0\">10.0.0.1</tag>")?;
    writeln!(out, "<tag name=\"traceroute-hop-1\">{}</tag>", h.ip)?;
    if let Some(f) = &h.fqdn {
        writeln!(
            out,
            "<tag name=\"host-fqdns\">[{{&quot;FQDN&quot;:&quot;{f}&quot;,&quot;sources&quot;:[&quot;get_host_fqdn()&quot;]}}]</tag>"
        )?;
        writeln!(out, "<tag name=\"host-fqdn\">{f}</tag>")?;
        writeln!(out, "<tag name=\"host-rdns\">{f}</tag>")?;
    }
    if os_short == "windows" {
        let name = h.fqdn.as_deref().and_then(|f| f.split('.').next()).unwrap_or("WIN-SRV").to_uppercase();
        writeln!(out, "<tag name=\"netbios-name\">{name}</tag>")?;
    }
    writeln!(out, "<tag name=\"host-ip\">{}</tag>", h.ip)?;
    writeln!(out, "<tag name=\"HOST_START_TIMESTAMP\">{}</tag>", h.start)?;
    writeln!(out, "<tag name=\"HOST_START\">{}</tag>", ctime(h.start))?;
    writeln!(out, "</HostProperties>")
}

/// The host-specific plugin output of one item (already escaped).
fn plugin_output(rng: &mut Rng, p: &Plugin, h: &Host, port: u16, proto: &str, start: i64) -> Option<String> {
    let name = h.fqdn.as_deref().unwrap_or(&h.ip);
    let text = match p.kind {
        PluginKind::ScanInfo => format!(
            "Information about this scan : \n\nNessus version : 10.6.4\nPlugin feed version : 202406010000\nScanner IP : 10.0.0.5\nPort scanner(s) : nessus_syn_scanner \nPort range : default\nThorough tests : no\nExperimental tests : no\nParanoia level : 1\nReport verbosity : 1\nSafe checks : yes\nCredentialed checks : no\nScan Start Date : {}\nScan duration : {} sec\n",
            ctime(start),
            h.end - h.start
        ),
        PluginKind::OsId => format!(
            "\nRemote operating system : {}\nConfidence level : {}\nMethod : SinFP\n\nThe remote host is running {}",
            OSES[h.os].0,
            rng.range(56, 99),
            OSES[h.os].0
        ),
        PluginKind::DeviceType => {
            format!("Remote device type : {}\nConfidence level : {}\n", OSES[h.os].1, rng.range(56, 99))
        }
        PluginKind::Cpe => {
            format!("\nThe remote operating system matched the following CPE : \n\n  {}\n", OSES[h.os].2)
        }
        PluginKind::Traceroute => format!(
            "For your information, here is the traceroute from 10.0.0.5 to {} : \n10.0.0.5\n10.0.0.1\n{}\n\nHop Count: 2\n",
            h.ip, h.ip
        ),
        PluginKind::Timestamps => return None,
        PluginKind::Fqdn => format!("\n{} resolves as {}.\n", h.ip, name),
        PluginKind::SynScanner => format!("Port {port}/{proto} was found to be open"),
        PluginKind::Info => match p.service {
            Some(si) => format!(
                "\nThe remote service on {}:{port}/{proto} returned the following banner :\n\n  {} {}.{}.{} ({})\n",
                h.ip,
                SERVICES[si].product,
                rng.range(1, 12),
                rng.range(0, 9),
                rng.range(0, 30),
                OSES[h.os].1
            ),
            None => format!("\nHost {} ({}) : {} items collected.\n", name, h.ip, rng.range(3, 400)),
        },
        PluginKind::Config => {
            if rng.chance(0.2) {
                return None;
            }
            format!(
                "\nThe following issue was found on {}:{port} :\n\n  Subject : CN={}\n  Issuer  : CN={}\n",
                h.ip,
                name,
                rng.pick(&["Local CA", "localhost", "Fortinet", "VMware Engineering"])
            )
        }
        PluginKind::Version => {
            let url = if p.service.is_some_and(|s| SERVICES[s].web) {
                format!("  URL               : http{}://{}:{port}/\n", if port == 80 { "" } else { "s" }, name)
            } else {
                format!("  Path              : /usr/sbin/ ({}:{port})\n", h.ip)
            };
            format!("\n{url}  Installed version : {}\n  Fixed version     : {}\n", p.installed, p.fixed)
        }
    };
    Some(esc(&text))
}

struct Args {
    findings: usize,
    hosts: usize,
    out: String,
    seed: u64,
    start: i64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args { findings: 500_000, hosts: 5_000, out: String::new(), seed: 1, start: 1_717_200_000 };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--findings" => a.findings = v()?.parse().map_err(|e| format!("--findings: {e}"))?,
            "--hosts" => a.hosts = v()?.parse().map_err(|e| format!("--hosts: {e}"))?,
            "--out" => a.out = v()?,
            "--seed" => a.seed = v()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--start" => a.start = v()?.parse().map_err(|e| format!("--start: {e}"))?,
            _ => return Err(format!("unknown argument {k}")),
        }
    }
    if a.out.is_empty() {
        return Err("--out FILE is required".into());
    }
    if a.hosts == 0 || a.findings < a.hosts {
        return Err("need at least one host and one finding per host".into());
    }
    Ok(a)
}

/// Findings per host: around the average, varied, summing exactly to `total`.
fn host_counts(rng: &mut Rng, total: usize, hosts: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..hosts).map(|_| 0.25 + 1.5 * rng.unit()).collect();
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<usize> = weights.iter().map(|w| ((total as f64 * w / sum) as usize).max(1)).collect();
    let mut assigned: usize = counts.iter().sum();
    let mut i = 0;
    while assigned < total {
        counts[i % hosts] += 1;
        assigned += 1;
        i += 7;
    }
    while assigned > total {
        if counts[i % hosts] > 1 {
            counts[i % hosts] -= 1;
            assigned -= 1;
        }
        i += 7;
    }
    counts
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\nusage: gen_nessus --findings N --hosts H --out FILE [--seed N] [--start UNIX]");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> std::io::Result<()> {
    let started = std::time::Instant::now();
    let mut rng = Rng(args.seed ^ 0x6B68_6965_6E00_0001);
    let plugins = build_plugins(&mut rng, 2000 - 8);
    // Plugins by severity, for picking items with a realistic severity mix.
    let by_sev: Vec<Vec<usize>> =
        (0..=4u8).map(|s| (0..plugins.len()).filter(|&i| plugins[i].severity == s && i >= 8).collect()).collect();
    // Share of items per severity: info, low, medium, high, critical.
    let mix = [0.52, 0.08, 0.30, 0.08, 0.02];
    let counts = host_counts(&mut rng, args.findings, args.hosts);

    let file = std::fs::File::create(&args.out)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    writeln!(out, "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>")?;
    policy(&mut out, &plugins)?;
    writeln!(out, "<Report name=\"Quet dinh ky toan tinh\" xmlns:cm=\"http://www.nessus.org/cm\">")?;
    let mut written = 0usize;
    let mut desc_total = 0usize;
    let mut sev_counts = [0usize; 5];
    let mut used: HashSet<(usize, u16)> = HashSet::new();
    for (i, &count) in counts.iter().enumerate() {
        let h = make_host(&mut rng, i, args.hosts, args.start);
        writeln!(out, "<ReportHost name=\"{}\">", h.ip)?;
        write_host_properties(&mut out, &h, &mut rng)?;
        used.clear();
        // Host-level plugins and one SYN-scanner item per open port, then the rest.
        let mut items: Vec<(usize, u16, &str, &str)> = Vec::with_capacity(count);
        for k in 0..7 {
            if k == 6 && h.fqdn.is_none() {
                continue;
            }
            items.push((k, 0, "general", "tcp"));
        }
        for &(si, port) in &h.services {
            items.push((7, port, SERVICES[si].svc, SERVICES[si].proto));
        }
        items.truncate(count);
        for it in &items {
            used.insert((it.0, it.1));
        }
        let mut attempts = 0usize;
        while items.len() < count {
            attempts += 1;
            let r = rng.unit();
            let mut sev = 0;
            let mut acc = 0.0;
            for (s, share) in mix.iter().enumerate() {
                acc += share;
                if r < acc {
                    sev = s;
                    break;
                }
            }
            let pool = &by_sev[sev];
            // Popular plugins show up on many hosts: skew the pick towards the pool's start.
            let u = rng.unit();
            let idx = if attempts > 50 * count {
                rng.below(plugins.len() - 8) + 8
            } else {
                pool[(u * u * pool.len() as f64) as usize]
            };
            let p = &plugins[idx];
            let (port, svc_name, proto) = match p.service {
                None => (0, "general", "tcp"),
                Some(si) => {
                    let s = &SERVICES[si];
                    // On a host that runs the product, the item is on that port.
                    let on_host = h.services.iter().find(|(hs, _)| *hs == si).map(|(_, port)| *port);
                    let port = match on_host {
                        Some(port) => port,
                        None if s.web && rng.chance(0.5) => rng.pick(&[80u16, 443, 8080, 8443]),
                        None => s.port,
                    };
                    (port, s.svc, s.proto)
                }
            };
            if used.insert((idx, port)) {
                items.push((idx, port, svc_name, proto));
            }
        }
        for (idx, port, svc_name, proto) in items {
            let p = &plugins[idx];
            writeln!(
                out,
                "<ReportItem port=\"{port}\" svc_name=\"{svc_name}\" protocol=\"{proto}\" severity=\"{}\" pluginID=\"{}\" pluginName=\"{}\" pluginFamily=\"{}\">",
                p.severity,
                p.id,
                esc(&p.name),
                esc(p.family)
            )?;
            out.write_all(p.body.as_bytes())?;
            if let Some(o) = plugin_output(&mut rng, p, &h, port, proto, args.start) {
                writeln!(out, "<plugin_output>{o}</plugin_output>")?;
            }
            out.write_all(b"</ReportItem>\n")?;
            written += 1;
            desc_total += p.description_len;
            sev_counts[p.severity as usize] += 1;
        }
        writeln!(out, "</ReportHost>")?;
    }
    writeln!(out, "</Report>\n</NessusClientData_v2>")?;
    out.flush()?;
    let size = out.get_ref().metadata().map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {} findings over {} hosts ({} plugins) to {}: {:.1} MB in {:.1} s; mean description {} chars; \
         severity info/low/medium/high/critical = {:?}",
        written,
        args.hosts,
        plugins.len(),
        args.out,
        size as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        desc_total / written.max(1),
        sev_counts
    );
    Ok(())
}
