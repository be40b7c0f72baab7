//! The demo province: a fictional province, "tỉnh Hồng Lam", shaped like Nghệ An after the
//! 1 July 2025 reorganisation. `--demo`, screenshots, manual testing and benchmarks load it.
//!
//! At scale 1 it has about 810 agencies: the provincial People's Committee, about 20
//! departments and provincial bodies with their units, a few former districts kept for history,
//! and 130 communes and wards directly under the province (districts were abolished), each with
//! its units. It also has 28 named systems, among them the shared platforms, and one user per
//! role. At scale N the communes are repeated with numbered suffixes so that there are about
//! N times as many agencies, and about 500 × N generated systems with 4 assets each.
//!
//! Everything is fictional (no real people) and deterministic: the same scale always gives
//! the same province. Pure data, no I/O.

use crate::text::fold;
use crate::{AgencyInput, Role, SystemInput};

/// An agency to create, in tree order: a parent always comes before its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAgency {
    pub input: AgencyInput,
}

/// A system to register, with raw asset strings accepted by `normalise_asset(None, _)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSystem {
    pub input: SystemInput,
    pub assets: Vec<String>,
}

/// A demo login; `agency_code` binds an officer to an agency subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub agency_code: Option<&'static str>,
}

/// The whole demo province.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoProvince {
    pub agencies: Vec<DemoAgency>,
    pub systems: Vec<DemoSystem>,
    pub users: Vec<DemoUser>,
}

/// Build the demo province.
///
/// scale 1 = the demo (~810 agencies, ~28 systems); scale N multiplies agencies, systems and
/// assets ~N times (used by a benchmark: scale 10 ≈ 8,100 agencies, 5,000 systems, 20,000
/// assets). Scale 0 is treated as 1.
pub fn province(scale: u32) -> DemoProvince {
    let scale = scale.max(1) as usize;
    let agencies = agencies(scale);
    let systems = systems(scale, &agencies);
    DemoProvince { agencies, systems, users: users() }
}

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

const DOMAIN: &str = "honglam.gov.vn";
const PROVINCE: &str = "tỉnh Hồng Lam";
const ROOT_CODE: &str = "UBND";
const ROOT_NAME: &str = "Ủy ban nhân dân tỉnh Hồng Lam";
const ROOT_ADDRESS: &str = "Số 3 đại lộ Hồng Lam, phường Lam Giang, tỉnh Hồng Lam";

/// Agencies per unit of scale; at scale N communes are added until there are N times this.
const AGENCIES_PER_SCALE: usize = 810;
/// Systems per unit of scale above 1 (at scale 1 only the named systems exist).
const SYSTEMS_PER_SCALE: usize = 500;

/// A department or provincial body and its units (`unit code suffix`, `name`).
struct Department {
    code: &'static str,
    name: &'static str,
    units: &'static [(&'static str, &'static str)],
}

const DEPARTMENTS: &[Department] = &[
    Department {
        code: "VPUBND",
        name: "Văn phòng Ủy ban nhân dân tỉnh",
        units: &[
            ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh"),
            ("TTTHCB", "Trung tâm Thông tin - Công báo"),
            ("NHAKHACH", "Nhà khách tỉnh"),
        ],
    },
    Department {
        code: "VPDDBQH", name: "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh", units: &[]
    },
    Department {
        code: "SNV",
        name: "Sở Nội vụ",
        units: &[
            ("BTDKT", "Ban Thi đua - Khen thưởng"),
            ("CCVTLT", "Chi cục Văn thư - Lưu trữ"),
            ("TTDVVL", "Trung tâm Dịch vụ việc làm"),
            ("TTBTXH", "Trung tâm Bảo trợ xã hội"),
            ("TTDDNCC", "Trung tâm Điều dưỡng người có công"),
        ],
    },
    Department {
        code: "STC",
        name: "Sở Tài chính",
        units: &[
            ("TTHTDN", "Trung tâm Hỗ trợ doanh nghiệp nhỏ và vừa"),
            ("TTDVTC", "Trung tâm Tư vấn và Dịch vụ tài chính"),
            ("TTXTDT", "Trung tâm Xúc tiến đầu tư"),
        ],
    },
    Department {
        code: "STP",
        name: "Sở Tư pháp",
        units: &[
            ("TTTGPL", "Trung tâm Trợ giúp pháp lý nhà nước"),
            ("PCC1", "Phòng Công chứng số 1"),
            ("PCC2", "Phòng Công chứng số 2"),
            ("TTDGTS", "Trung tâm Dịch vụ đấu giá tài sản"),
        ],
    },
    Department {
        code: "SCT",
        name: "Sở Công Thương",
        units: &[
            ("TTKC", "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp"),
            ("TTXTTM", "Trung tâm Xúc tiến thương mại"),
        ],
    },
    Department {
        code: "SNNMT",
        name: "Sở Nông nghiệp và Môi trường",
        units: &[
            ("CCKL", "Chi cục Kiểm lâm"),
            ("CCTTBVTV", "Chi cục Trồng trọt và Bảo vệ thực vật"),
            ("CCCNTY", "Chi cục Chăn nuôi và Thú y"),
            ("CCTL", "Chi cục Thủy lợi"),
            ("CCBVMT", "Chi cục Bảo vệ môi trường"),
            ("CCTSBD", "Chi cục Thủy sản và Biển đảo"),
            ("VPDKDD", "Văn phòng Đăng ký đất đai"),
            ("TTQTMT", "Trung tâm Quan trắc tài nguyên và môi trường"),
            ("TTKN", "Trung tâm Khuyến nông"),
            ("TTPTQD", "Trung tâm Phát triển quỹ đất"),
            ("BQLRPH-BAC", "Ban Quản lý rừng phòng hộ Bắc Hồng Lam"),
            ("BQLRPH-TAY", "Ban Quản lý rừng phòng hộ Tây Hồng Lam"),
        ],
    },
    Department {
        code: "SXD",
        name: "Sở Xây dựng",
        units: &[
            ("TTGDCL", "Trung tâm Giám định chất lượng xây dựng"),
            ("TTQHKT", "Trung tâm Quy hoạch - Kiến trúc"),
            ("BQLBTDB", "Ban Quản lý bảo trì đường bộ"),
            ("TTDK", "Trung tâm Đăng kiểm phương tiện giao thông"),
            ("TTSHLX", "Trung tâm Sát hạch lái xe"),
        ],
    },
    Department {
        code: "SKHCN",
        name: "Sở Khoa học và Công nghệ",
        units: &[
            ("TTCNTT", "Trung tâm Công nghệ thông tin và Truyền thông"),
            ("TTGSDH", "Trung tâm Giám sát, điều hành đô thị thông minh"),
            ("TTUD", "Trung tâm Ứng dụng tiến bộ khoa học và công nghệ"),
            ("CCTDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng"),
        ],
    },
    Department {
        code: "SGDDT",
        name: "Sở Giáo dục và Đào tạo",
        units: &[
            ("THPT-CHUYEN", "Trường THPT chuyên Hồng Lam"),
            ("THPT-LAMGIANG", "Trường THPT Lam Giang"),
            ("THPT-BENLAM", "Trường THPT Bến Lam"),
            ("THPT-DIENLAM", "Trường THPT Diễn Lâm"),
            ("THPT-QUYNHPHONG", "Trường THPT Quỳnh Phong"),
            ("THPT-NGHIXUAN", "Trường THPT Nghi Xuân"),
            ("THPT-THANHBINH", "Trường THPT Thanh Bình"),
            ("THPT-DOLUONG", "Trường THPT Đô Lương"),
            ("THPT-ANHSON", "Trường THPT Anh Sơn"),
            ("THPT-KYSON", "Trường THPT Kỳ Sơn"),
            ("PTDTNT", "Trường Phổ thông Dân tộc nội trú tỉnh"),
            ("TTGDTX", "Trung tâm Giáo dục thường xuyên tỉnh"),
            ("CDSP", "Trường Cao đẳng Sư phạm Hồng Lam"),
        ],
    },
    Department {
        code: "SYT",
        name: "Sở Y tế",
        units: &[
            ("BVDK", "Bệnh viện Đa khoa tỉnh"),
            ("BVSN", "Bệnh viện Sản Nhi"),
            ("BVUB", "Bệnh viện Ung bướu"),
            ("BVTT", "Bệnh viện Tâm thần"),
            ("BVYHCT", "Bệnh viện Y học cổ truyền"),
            ("BVPHCN", "Bệnh viện Phục hồi chức năng"),
            ("BVNT", "Bệnh viện Nội tiết"),
            ("BVDK-BAC", "Bệnh viện Đa khoa khu vực Bắc Hồng Lam"),
            ("BVDK-TAY", "Bệnh viện Đa khoa khu vực Tây Hồng Lam"),
            ("BVDK-NAM", "Bệnh viện Đa khoa khu vực Nam Hồng Lam"),
            ("CDC", "Trung tâm Kiểm soát bệnh tật"),
            ("TTCC115", "Trung tâm Cấp cứu 115"),
            ("TTKN", "Trung tâm Kiểm nghiệm thuốc, mỹ phẩm, thực phẩm"),
            ("CCATVSTP", "Chi cục An toàn vệ sinh thực phẩm"),
            ("CCDS", "Chi cục Dân số"),
        ],
    },
    Department {
        code: "SVHTTDL",
        name: "Sở Văn hóa, Thể thao và Du lịch",
        units: &[
            ("THUVIEN", "Thư viện tỉnh"),
            ("BAOTANG", "Bảo tàng tỉnh"),
            ("TTVHDA", "Trung tâm Văn hóa - Điện ảnh"),
            ("TTHLTD", "Trung tâm Huấn luyện và Thi đấu thể dục thể thao"),
            ("TTXTDL", "Trung tâm Thông tin và Xúc tiến du lịch"),
            ("DOANNT", "Đoàn Nghệ thuật truyền thống"),
        ],
    },
    Department { code: "SDTTG", name: "Sở Dân tộc và Tôn giáo", units: &[("BTG", "Ban Tôn giáo")] },
    Department { code: "TTT", name: "Thanh tra tỉnh", units: &[] },
    Department {
        code: "CAT",
        name: "Công an tỉnh",
        units: &[
            ("PCSGT", "Phòng Cảnh sát giao thông"),
            ("PANM", "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao"),
            ("PPCCC", "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ"),
            ("PXNC", "Phòng Quản lý xuất nhập cảnh"),
            ("PHOSO", "Phòng Hồ sơ"),
        ],
    },
    Department { code: "BCHQS", name: "Bộ Chỉ huy Quân sự tỉnh", units: &[] },
    Department {
        code: "BQLKKT",
        name: "Ban Quản lý Khu kinh tế Đông Hồng Lam",
        units: &[("TTDVKKT", "Trung tâm Dịch vụ tổng hợp Khu kinh tế")],
    },
    Department {
        code: "BQLDA",
        name: "Ban Quản lý dự án đầu tư xây dựng công trình dân dụng và công nghiệp tỉnh",
        units: &[],
    },
    Department { code: "BPTTH", name: "Báo và Phát thanh, Truyền hình Hồng Lam", units: &[] },
    Department { code: "QDTPT", name: "Quỹ Đầu tư phát triển tỉnh", units: &[] },
];

/// Streets for department addresses (fictional).
const STREETS: &[&str] = &["đại lộ Hồng Lam", "đường Sông Lam", "đường Lam Giang", "đường Bến Lam", "đường Hồng Sơn"];

/// Former districts (abolished on 1 July 2025), kept for history without children.
const FORMER_DISTRICTS: &[(&str, &str)] = &[
    ("H-LAMGIANG", "Thành phố Lam Giang (cũ)"),
    ("H-BACLAM", "Thị xã Bắc Lam (cũ)"),
    ("H-DIENLAM", "Huyện Diễn Lâm (cũ)"),
    ("H-QUYNHPHONG", "Huyện Quỳnh Phong (cũ)"),
    ("H-THUONGLAM", "Huyện Thượng Lam (cũ)"),
    ("H-NAMLAM", "Huyện Nam Lam (cũ)"),
];

/// Number of communes and wards at scale 1 (wards first).
const COMMUNES: usize = 130;

/// Wards (phường), named by hand; the rest of the communes are generated.
const WARDS: &[&str] = &[
    "Lam Giang",
    "Bến Lam",
    "Hồng Sơn",
    "Cửa Lam",
    "Trung Đô",
    "Vinh Phú",
    "Bắc Lam",
    "Thái Hòa",
    "Hoàng Mai",
    "Tân Mai",
    "Lam Hồng",
];

/// First syllables of generated commune names.
const NAME_FIRST: &[&str] = &[
    "Hưng", "Nghi", "Diễn", "Quỳnh", "Thanh", "Yên", "Nam", "Tân", "Đô", "Anh", "Quế", "Tương", "Kỳ", "Châu", "Minh",
    "Lạc", "Hồng", "Vân", "Bảo", "Phúc",
];

/// Second syllables of generated commune names.
const NAME_SECOND: &[&str] = &[
    "Lộc", "Phú", "Sơn", "Hòa", "An", "Xuân", "Lâm", "Phong", "Đức", "Thịnh", "Bình", "Long", "Trung", "Tiến", "Hợp",
    "Mỹ", "Hải", "Lĩnh", "Thành", "Khánh", "Quang", "Thái", "Lương",
];

/// Fictional contact people for systems.
const CONTACTS: &[&str] = &[
    "Trần Thị Lan",
    "Lê Văn Hùng",
    "Phạm Minh Tuấn",
    "Hoàng Thị Mai",
    "Đặng Quốc Bảo",
    "Võ Thị Hằng",
    "Bùi Đức Thắng",
    "Hồ Văn Long",
    "Ngô Thị Thu",
    "Phan Thanh Hải",
    "Đinh Thị Hoa",
    "Cao Văn Nam",
];

/// Which agencies use a system.
#[derive(Clone, Copy)]
enum Users {
    /// Not a shared platform.
    NotShared,
    /// Shared by every department and provincial body.
    Departments,
    /// Shared by every commune and ward.
    Communes,
    /// Shared by every department, commune and ward.
    DepartmentsAndCommunes,
}

/// A named system of the demo.
struct SystemSpec {
    code: &'static str,
    name: &'static str,
    description: &'static str,
    owner: &'static str,
    operator: &'static str,
    category: &'static str,
    users: Users,
    status: &'static str,
    assets: &'static [&'static str],
}

const SYSTEMS: &[SystemSpec] = &[
    SystemSpec {
        code: "IOFFICE",
        name: "Hệ thống quản lý văn bản và điều hành",
        description: "Nền tảng dùng chung quản lý văn bản đi, đến, hồ sơ công việc và chữ ký số cho các sở, ban, ngành.",
        owner: "UBND",
        operator: "SKHCN",
        category: "internal",
        users: Users::Departments,
        status: "operating",
        assets: &[
            "https://vanban.honglam.gov.vn/",
            "vanban.honglam.gov.vn",
            "10.10.1.11",
            "10.10.1.12",
            "10.10.1.0/24",
        ],
    },
    SystemSpec {
        code: "TSLCD",
        name: "Mạng truyền số liệu chuyên dùng",
        description: "Mạng truyền số liệu chuyên dùng cấp II kết nối các cơ quan cấp tỉnh và cấp xã.",
        owner: "UBND",
        operator: "SKHCN.TTCNTT",
        category: "infrastructure",
        users: Users::DepartmentsAndCommunes,
        status: "operating",
        assets: &["10.1.0.0/24", "10.1.1.0/24", "10.1.0.1", "core-tslcd.honglam.gov.vn"],
    },
    SystemSpec {
        code: "DVC",
        name: "Hệ thống thông tin giải quyết thủ tục hành chính",
        description: "Cổng dịch vụ công và hệ thống một cửa điện tử của tỉnh: tiếp nhận, xử lý và trả kết quả hồ sơ thủ tục hành chính.",
        owner: "UBND",
        operator: "VPUBND.TTPVHCC",
        category: "citizen_business",
        users: Users::DepartmentsAndCommunes,
        status: "operating",
        assets: &[
            "https://dichvucong.honglam.gov.vn/",
            "dichvucong.honglam.gov.vn",
            "https://motcua.honglam.gov.vn/",
            "10.10.2.21",
            "10.10.2.22",
            "10.10.2.0/24",
        ],
    },
    SystemSpec {
        code: "HNTT",
        name: "Hệ thống hội nghị trực tuyến",
        description: "Hội nghị truyền hình trực tuyến từ tỉnh đến các sở, ngành và xã, phường.",
        owner: "UBND",
        operator: "VPUBND",
        category: "internal",
        users: Users::DepartmentsAndCommunes,
        status: "operating",
        assets: &["hop.honglam.gov.vn", "https://hop.honglam.gov.vn/", "10.10.3.31"],
    },
    SystemSpec {
        code: "STC-KT",
        name: "Hệ thống kế toán - tài chính",
        description: "Phần mềm kế toán, quản lý ngân sách và báo cáo tài chính của Sở Tài chính.",
        owner: "STC",
        operator: "STC",
        category: "internal",
        users: Users::NotShared,
        status: "operating",
        assets: &["10.20.4.15", "ketoan.stc.honglam.gov.vn"],
    },
    SystemSpec {
        code: "SYT-HIS",
        name: "Hệ thống thông tin bệnh viện (HIS) Bệnh viện Đa khoa tỉnh",
        description: "Quản lý khám chữa bệnh, bệnh án, viện phí và thanh toán bảo hiểm y tế của Bệnh viện Đa khoa tỉnh.",
        owner: "SYT",
        operator: "SYT.BVDK",
        category: "internal",
        users: Users::NotShared,
        status: "operating",
        assets: &[
            "10.30.1.0/24",
            "his.bvdk.honglam.gov.vn",
            "https://his.bvdk.honglam.gov.vn/",
            "10.30.1.10",
            "10.30.1.11",
        ],
    },
    SystemSpec {
        code: "TTDL",
        name: "Trung tâm dữ liệu tỉnh",
        description: "Hạ tầng máy chủ, lưu trữ và điện toán đám mây dùng chung đặt các hệ thống thông tin của tỉnh.",
        owner: "UBND",
        operator: "SKHCN.TTCNTT",
        category: "infrastructure",
        users: Users::Departments,
        status: "operating",
        assets: &["10.10.0.0/24", "10.10.100.0/24", "dc.honglam.gov.vn"],
    },
    SystemSpec {
        code: "CTTDT",
        name: "Cổng thông tin điện tử tỉnh",
        description: "Cổng thông tin điện tử chính thức của tỉnh: tin tức, văn bản chỉ đạo điều hành, công khai thông tin.",
        owner: "UBND",
        operator: "VPUBND.TTTHCB",
        category: "citizen_business",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://honglam.gov.vn/", "honglam.gov.vn", "www.honglam.gov.vn", "10.10.5.51"],
    },
    SystemSpec {
        code: "EMAIL",
        name: "Hệ thống thư điện tử công vụ",
        description: "Thư điện tử công vụ cho cán bộ, công chức, viên chức toàn tỉnh.",
        owner: "UBND",
        operator: "SKHCN.TTCNTT",
        category: "internal",
        users: Users::DepartmentsAndCommunes,
        status: "operating",
        assets: &["mail.honglam.gov.vn", "https://mail.honglam.gov.vn/", "10.10.6.61", "10.10.6.62"],
    },
    SystemSpec {
        code: "LGSP",
        name: "Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP)",
        description: "Kết nối, chia sẻ dữ liệu giữa các hệ thống của tỉnh và với các nền tảng quốc gia.",
        owner: "UBND",
        operator: "SKHCN.TTCNTT",
        category: "infrastructure",
        users: Users::Departments,
        status: "operating",
        assets: &["lgsp.honglam.gov.vn", "https://lgsp.honglam.gov.vn/api/", "10.10.7.71"],
    },
    SystemSpec {
        code: "IOC",
        name: "Hệ thống giám sát, điều hành đô thị thông minh",
        description: "Tổng hợp, hiển thị chỉ số kinh tế - xã hội và phản ánh hiện trường phục vụ lãnh đạo tỉnh điều hành.",
        owner: "SKHCN",
        operator: "SKHCN.TTGSDH",
        category: "other",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://ioc.honglam.gov.vn/", "ioc.honglam.gov.vn", "10.10.8.0/24"],
    },
    SystemSpec {
        code: "SOC",
        name: "Hệ thống giám sát an toàn thông tin tập trung",
        description: "Thu thập nhật ký, phát hiện và cảnh báo tấn công mạng cho các hệ thống của tỉnh.",
        owner: "SKHCN",
        operator: "SKHCN.TTCNTT",
        category: "infrastructure",
        users: Users::NotShared,
        status: "operating",
        assets: &["soc.honglam.gov.vn", "10.10.9.91", "10.10.9.92"],
    },
    SystemSpec {
        code: "SNNMT-DD",
        name: "Hệ thống thông tin đất đai",
        description: "Cơ sở dữ liệu địa chính, đăng ký biến động và cung cấp thông tin đất đai.",
        owner: "SNNMT",
        operator: "SNNMT.VPDKDD",
        category: "citizen_business",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://datdai.honglam.gov.vn/", "datdai.honglam.gov.vn", "10.40.1.21", "10.40.1.22"],
    },
    SystemSpec {
        code: "SNNMT-QTMT",
        name: "Hệ thống quan trắc môi trường tự động",
        description: "Thu nhận số liệu từ các trạm quan trắc nước thải, khí thải và chất lượng không khí tự động.",
        owner: "SNNMT",
        operator: "SNNMT.TTQTMT",
        category: "industrial_control",
        users: Users::NotShared,
        status: "operating",
        assets: &["10.40.2.0/24", "quantrac.honglam.gov.vn", "https://quantrac.honglam.gov.vn/"],
    },
    SystemSpec {
        code: "SNNMT-TL",
        name: "Hệ thống SCADA giám sát hồ chứa và trạm bơm thủy lợi",
        description: "Giám sát mực nước, điều khiển cửa van và trạm bơm của các công trình thủy lợi.",
        owner: "SNNMT",
        operator: "SNNMT.CCTL",
        category: "industrial_control",
        users: Users::NotShared,
        status: "operating",
        assets: &["10.40.3.0/24", "10.40.3.10", "scada-thuyloi.honglam.gov.vn"],
    },
    SystemSpec {
        code: "SGDDT-CSDL",
        name: "Cơ sở dữ liệu ngành giáo dục",
        description: "Quản lý trường, lớp, học sinh, đội ngũ giáo viên và kết quả học tập toàn tỉnh.",
        owner: "SGDDT",
        operator: "SGDDT",
        category: "internal",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://csdl.sgddt.honglam.gov.vn/", "csdl.sgddt.honglam.gov.vn", "10.50.1.11"],
    },
    SystemSpec {
        code: "SGDDT-TS",
        name: "Hệ thống tuyển sinh trực tuyến đầu cấp",
        description: "Đăng ký tuyển sinh trực tuyến vào lớp 1, lớp 6 và lớp 10 cho phụ huynh, học sinh.",
        owner: "SGDDT",
        operator: "SGDDT",
        category: "citizen_business",
        users: Users::NotShared,
        status: "upgrading",
        assets: &["https://tuyensinh.honglam.gov.vn/", "tuyensinh.honglam.gov.vn", "10.50.1.12"],
    },
    SystemSpec {
        code: "SYT-PACS",
        name: "Hệ thống lưu trữ và truyền hình ảnh (PACS) Bệnh viện Sản Nhi",
        description: "Lưu trữ, truyền và đọc kết quả chẩn đoán hình ảnh của Bệnh viện Sản Nhi.",
        owner: "SYT",
        operator: "SYT.BVSN",
        category: "internal",
        users: Users::NotShared,
        status: "operating",
        assets: &["10.30.2.0/24", "pacs.bvsn.honglam.gov.vn", "10.30.2.20"],
    },
    SystemSpec {
        code: "SYT-HSSK",
        name: "Hệ thống hồ sơ sức khỏe điện tử",
        description: "Quản lý hồ sơ sức khỏe điện tử của người dân, tra cứu trực tuyến.",
        owner: "SYT",
        operator: "SYT.CDC",
        category: "citizen_business",
        users: Users::NotShared,
        status: "upgrading",
        assets: &["https://hssk.honglam.gov.vn/", "hssk.honglam.gov.vn", "10.30.3.30"],
    },
    SystemSpec {
        code: "SNV-CBCC",
        name: "Cơ sở dữ liệu cán bộ, công chức, viên chức",
        description: "Quản lý hồ sơ, quá trình công tác và biên chế của cán bộ, công chức, viên chức toàn tỉnh.",
        owner: "SNV",
        operator: "SNV",
        category: "internal",
        users: Users::Departments,
        status: "operating",
        assets: &["https://cbcc.honglam.gov.vn/", "cbcc.honglam.gov.vn", "10.20.1.11"],
    },
    SystemSpec {
        code: "STP-HT",
        name: "Phần mềm đăng ký, quản lý hộ tịch",
        description: "Đăng ký khai sinh, kết hôn, khai tử và quản lý sổ hộ tịch điện tử tại các xã, phường.",
        owner: "STP",
        operator: "STP",
        category: "citizen_business",
        users: Users::Communes,
        status: "operating",
        assets: &["https://hotich.honglam.gov.vn/", "hotich.honglam.gov.vn", "10.20.2.21"],
    },
    SystemSpec {
        code: "STP-LLTP",
        name: "Hệ thống quản lý lý lịch tư pháp",
        description: "Tiếp nhận yêu cầu và cấp phiếu lý lịch tư pháp trực tuyến.",
        owner: "STP",
        operator: "STP",
        category: "citizen_business",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://lltp.honglam.gov.vn/", "10.20.2.22"],
    },
    SystemSpec {
        code: "SXD-GP",
        name: "Hệ thống cấp phép xây dựng trực tuyến",
        description: "Tiếp nhận và giải quyết hồ sơ cấp giấy phép xây dựng qua mạng.",
        owner: "SXD",
        operator: "SXD",
        category: "citizen_business",
        users: Users::NotShared,
        status: "planned",
        assets: &["https://capphep.honglam.gov.vn/"],
    },
    SystemSpec {
        code: "SCT-TMDT",
        name: "Sàn thương mại điện tử sản phẩm OCOP",
        description: "Giới thiệu và kết nối tiêu thụ sản phẩm OCOP, đặc sản của tỉnh.",
        owner: "SCT",
        operator: "SCT.TTXTTM",
        category: "citizen_business",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://ocop.honglam.gov.vn/", "ocop.honglam.gov.vn", "10.20.5.51"],
    },
    SystemSpec {
        code: "SVHTTDL-DL",
        name: "Cổng thông tin du lịch thông minh",
        description: "Thông tin điểm đến, lưu trú, lễ hội và bản đồ du lịch cho du khách.",
        owner: "SVHTTDL",
        operator: "SVHTTDL.TTXTDL",
        category: "citizen_business",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://dulich.honglam.gov.vn/", "dulich.honglam.gov.vn", "10.20.6.61", "10.20.6.62"],
    },
    SystemSpec {
        code: "CAT-CAMERA",
        name: "Hệ thống camera giám sát giao thông và trật tự",
        description: "Camera giám sát giao thông, an ninh trật tự tại các nút giao và khu đông dân cư.",
        owner: "CAT",
        operator: "CAT.PCSGT",
        category: "other",
        users: Users::NotShared,
        status: "operating",
        assets: &["10.60.0.0/24", "10.60.1.0/24", "vms.cat.honglam.gov.vn"],
    },
    SystemSpec {
        code: "STC-QLTS",
        name: "Phần mềm quản lý tài sản công",
        description: "Quản lý, đăng nhập và báo cáo tài sản công của các cơ quan, đơn vị trong tỉnh.",
        owner: "STC",
        operator: "STC",
        category: "internal",
        users: Users::NotShared,
        status: "operating",
        assets: &["https://taisan.honglam.gov.vn/", "10.20.4.16"],
    },
    SystemSpec {
        code: "MCDT-CU",
        name: "Phần mềm một cửa điện tử (phiên bản cũ)",
        description: "Phần mềm một cửa điện tử trước khi hợp nhất vào Hệ thống thông tin giải quyết thủ tục hành chính; dừng vận hành, giữ dữ liệu tra cứu.",
        owner: "VPUBND",
        operator: "VPUBND.TTPVHCC",
        category: "citizen_business",
        users: Users::NotShared,
        status: "retired",
        assets: &["motcua-cu.honglam.gov.vn", "10.10.2.5"],
    },
];

/// Kinds of generated systems (scale > 1): name prefix, category, description.
const GENERATED_SYSTEMS: &[(&str, &str, &str)] = &[
    ("Phần mềm quản lý văn bản nội bộ", "internal", "Quản lý văn bản, hồ sơ công việc nội bộ của đơn vị."),
    (
        "Trang thông tin điện tử",
        "citizen_business",
        "Trang thông tin điện tử giới thiệu đơn vị và công khai thông tin.",
    ),
    ("Mạng nội bộ (LAN)", "infrastructure", "Mạng nội bộ, tường lửa và kết nối Internet của đơn vị."),
    ("Phần mềm kế toán", "internal", "Kế toán hành chính sự nghiệp của đơn vị."),
    ("Hệ thống camera giám sát", "other", "Camera giám sát an ninh trụ sở."),
    ("Phần mềm quản lý nhân sự", "internal", "Quản lý hồ sơ cán bộ, chấm công và tiền lương."),
    ("Hệ thống wifi phục vụ người dân", "infrastructure", "Wifi công cộng tại bộ phận tiếp nhận và trả kết quả."),
    (
        "Phần mềm tiếp nhận phản ánh, kiến nghị",
        "citizen_business",
        "Tiếp nhận, xử lý phản ánh, kiến nghị của người dân.",
    ),
    ("Hệ thống điều khiển trạm bơm", "industrial_control", "Điều khiển, giám sát trạm bơm cấp nước."),
    ("Phần mềm quản lý tài sản", "internal", "Quản lý tài sản, trang thiết bị của đơn vị."),
];

// ---------------------------------------------------------------------------------------------
// Agencies
// ---------------------------------------------------------------------------------------------

/// A landline number of the province, `0238 3xxx xxx`, derived from `seed`.
fn phone(seed: usize) -> String {
    let d = (seed as u64).wrapping_mul(7919).wrapping_add(104_729) % 1_000_000;
    format!("0238 3{:03} {:03}", d / 1000, d % 1000)
}

/// Append an agency; its e-mail and phone are derived from its code and position.
fn push_agency(list: &mut Vec<DemoAgency>, code: String, name: String, kind: &str, parent: &str, address: String) {
    let email = format!("{}@{DOMAIN}", code.to_ascii_lowercase());
    let phone = phone(list.len());
    list.push(DemoAgency {
        input: AgencyInput { code, name, kind: kind.into(), parent_code: parent.into(), address, email, phone },
    });
}

/// An ASCII code fragment for a Vietnamese name: "Hưng Lộc" → "HUNGLOC".
fn code_part(name: &str) -> String {
    fold(name).chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase()
}

/// The base names of the 130 communes and wards, wards first; `(name, is_ward)`.
///
/// Communes combine two syllables, walking the grid of pairs with a fixed stride so that the
/// order looks mixed but never changes.
fn commune_names() -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = WARDS.iter().map(|w| (w.to_string(), true)).collect();
    let mut seen: Vec<String> = WARDS.iter().map(|w| code_part(w)).collect();
    let grid = NAME_FIRST.len() * NAME_SECOND.len();
    let mut step = 0;
    while out.len() < COMMUNES && step < grid {
        let k = (step * 37 + 11) % grid;
        step += 1;
        let name = format!("{} {}", NAME_FIRST[k / NAME_SECOND.len()], NAME_SECOND[k % NAME_SECOND.len()]);
        let code = code_part(&name);
        if seen.contains(&code) {
            continue;
        }
        seen.push(code);
        out.push((name, false));
    }
    out
}

fn agencies(scale: usize) -> Vec<DemoAgency> {
    let mut list = Vec::with_capacity(AGENCIES_PER_SCALE * scale + 16);
    push_agency(&mut list, ROOT_CODE.into(), ROOT_NAME.into(), "province", "", ROOT_ADDRESS.into());

    for (i, d) in DEPARTMENTS.iter().enumerate() {
        let address = format!("Số {} {}, phường Lam Giang, {PROVINCE}", 2 + i * 3, STREETS[i % STREETS.len()]);
        push_agency(&mut list, d.code.into(), d.name.into(), "department", ROOT_CODE, address);
        for (suffix, name) in d.units {
            let code = format!("{}.{suffix}", d.code);
            push_agency(&mut list, code, (*name).into(), "unit", d.code, String::new());
        }
    }

    for (code, name) in FORMER_DISTRICTS {
        push_agency(&mut list, (*code).into(), (*name).into(), "district", ROOT_CODE, String::new());
    }

    let names = commune_names();
    let target = if scale > 1 { AGENCIES_PER_SCALE * scale } else { 0 };
    let mut i = 0;
    while i < names.len() || list.len() < target {
        let (base, ward) = &names[i % names.len()];
        let round = i / names.len() + 1;
        let (name, mut code) = if round == 1 {
            (base.clone(), code_part(base))
        } else {
            (format!("{base} {round}"), format!("{}-{round}", code_part(base)))
        };
        code.insert_str(0, if *ward { "P-" } else { "X-" });
        let tier = if *ward { "phường" } else { "xã" };
        let full = format!("{} {name}", if *ward { "Phường" } else { "Xã" });
        let address = format!("{full}, {PROVINCE}");
        push_agency(&mut list, code.clone(), full, "commune", ROOT_CODE, address.clone());

        let mut units: Vec<(&str, String)> = vec![
            ("PVHCC", format!("Trung tâm Phục vụ hành chính công {tier} {name}")),
            ("TYT", format!("Trạm Y tế {tier} {name}")),
            ("MN", format!("Trường Mầm non {name}")),
        ];
        // Two communes in five have separate primary and lower secondary schools; the others
        // a combined one.
        if i % 5 < 2 {
            units.push(("TH", format!("Trường Tiểu học {name}")));
            units.push(("THCS", format!("Trường THCS {name}")));
        } else {
            units.push(("TH-THCS", format!("Trường Tiểu học và THCS {name}")));
        }
        for (suffix, unit_name) in units {
            push_agency(&mut list, format!("{code}.{suffix}"), unit_name, "unit", &code, address.clone());
        }
        i += 1;
    }
    list
}

// ---------------------------------------------------------------------------------------------
// Systems
// ---------------------------------------------------------------------------------------------

/// A contact's e-mail: given name then initials, "Trần Thị Lan" → "lantt@honglam.gov.vn".
fn contact_email(name: &str) -> String {
    let folded = fold(name);
    let words: Vec<&str> = folded.split(' ').collect();
    let (last, rest) = words.split_last().expect("contact names are not empty");
    let initials: String = rest.iter().filter_map(|w| w.chars().next()).collect();
    format!("{last}{initials}@{DOMAIN}")
}

fn systems(scale: usize, agencies: &[DemoAgency]) -> Vec<DemoSystem> {
    let codes_of = |kind: &str| -> Vec<String> {
        agencies.iter().filter(|a| a.input.kind == kind).map(|a| a.input.code.clone()).collect()
    };
    let departments = codes_of("department");
    let communes = codes_of("commune");

    let target = if scale > 1 { SYSTEMS_PER_SCALE * scale } else { SYSTEMS.len() };
    let mut out = Vec::with_capacity(target.max(SYSTEMS.len()));

    for (i, s) in SYSTEMS.iter().enumerate() {
        let user_codes = match s.users {
            Users::NotShared => Vec::new(),
            Users::Departments => departments.clone(),
            Users::Communes => communes.clone(),
            Users::DepartmentsAndCommunes => departments.iter().chain(communes.iter()).cloned().collect(),
        };
        let contact = CONTACTS[i % CONTACTS.len()];
        out.push(DemoSystem {
            input: SystemInput {
                code: s.code.into(),
                name: s.name.into(),
                description: s.description.into(),
                owner_code: s.owner.into(),
                operator_code: s.operator.into(),
                category: s.category.into(),
                shared: !matches!(s.users, Users::NotShared),
                user_codes,
                status: s.status.into(),
                contact_name: contact.into(),
                contact_email: contact_email(contact),
                contact_phone: phone(100_000 + i),
            },
            assets: s.assets.iter().map(|a| a.to_string()).collect(),
        });
    }

    // Generated systems for benchmarks, owned by agencies spread over the whole tree.
    let owners = &agencies[1..];
    let mut k = 0;
    while out.len() < target {
        k += 1;
        let owner = &owners[(k * 7919) % owners.len()].input;
        let (prefix, category, description) = GENERATED_SYSTEMS[k % GENERATED_SYSTEMS.len()];
        let status = match k % 50 {
            0..=2 => "upgrading",
            3 => "planned",
            4 => "retired",
            _ => "operating",
        };
        let contact = CONTACTS[k % CONTACTS.len()];
        // Each system gets its own /24 (wrapping far beyond any benchmark) and a host in it.
        let (a, b) = (64 + (k / 256) % 190, k % 256);
        let host = format!("ht{k}.{DOMAIN}");
        out.push(DemoSystem {
            input: SystemInput {
                code: format!("HT-{k:06}"),
                name: format!("{prefix} - {}", owner.name),
                description: description.into(),
                owner_code: owner.code.clone(),
                operator_code: owner.code.clone(),
                category: category.into(),
                shared: false,
                user_codes: Vec::new(),
                status: status.into(),
                contact_name: contact.into(),
                contact_email: contact_email(contact),
                contact_phone: phone(200_000 + k),
            },
            assets: vec![
                format!("10.{a}.{b}.0/24"),
                format!("10.{a}.{b}.10"),
                host.clone(),
                format!("https://{host}/"),
            ],
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

fn users() -> Vec<DemoUser> {
    let user = |username, display_name, role, agency_code| DemoUser { username, display_name, role, agency_code };
    vec![
        user("admin", "Quản trị hệ thống", Role::Admin, None),
        user("soc", "Nguyễn Hoàng Sơn", Role::Analyst, None),
        user("thanhtra", "Lê Thị Thanh Hương", Role::Inspector, None),
        user("canbo.syt", "Trần Văn Minh", Role::Officer, Some("SYT")),
        user("canbo.stc", "Phạm Thị Hoa", Role::Officer, Some("STC")),
        user("lanhdao", "Hồ Đức Thành", Role::Leader, None),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise_asset;
    use std::collections::HashSet;

    fn asset_count(p: &DemoProvince) -> usize {
        p.systems.iter().map(|s| s.assets.len()).sum()
    }

    /// Every structural rule of the demo, at any scale.
    fn check(p: &DemoProvince) {
        let mut codes = HashSet::new();
        for a in &p.agencies {
            let input = a.input.clone().trimmed();
            assert_eq!(input, a.input, "{} is already trimmed", a.input.code);
            input.validate().unwrap_or_else(|e| panic!("{}: {e:?}", a.input.code));
            if !input.parent_code.is_empty() {
                assert!(codes.contains(&input.parent_code), "{}'s parent comes first", input.code);
            }
            assert!(codes.insert(input.code.clone()), "duplicate agency code {}", input.code);
        }
        let names: HashSet<_> = p.agencies.iter().map(|a| &a.input.name).collect();
        assert_eq!(names.len(), p.agencies.len(), "agency names are unique");

        let mut system_codes = HashSet::new();
        for s in &p.systems {
            let input = s.input.clone().trimmed();
            input.validate().unwrap_or_else(|e| panic!("{}: {e:?}", s.input.code));
            assert!(system_codes.insert(input.code.clone()), "duplicate system code {}", input.code);
            for c in [&input.owner_code, &input.operator_code].into_iter().chain(&input.user_codes) {
                assert!(codes.contains(c), "{} refers to unknown agency {c}", input.code);
            }
            assert!((1..=6).contains(&s.assets.len()), "{} has 1–6 assets", input.code);
            let mut seen = HashSet::new();
            for raw in &s.assets {
                let n = normalise_asset(None, raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
                assert!(seen.insert(n.value), "{} repeats asset {raw}", input.code);
            }
        }
    }

    #[test]
    fn scale_one_is_the_demo() {
        let p = province(1);
        check(&p);
        let n = p.agencies.len();
        assert!((790..=830).contains(&n), "{n} agencies");
        assert!((25..=32).contains(&p.systems.len()), "{} systems", p.systems.len());
        let communes = p.agencies.iter().filter(|a| a.input.kind == "commune").count();
        assert_eq!(communes, COMMUNES);
        let departments = p.agencies.iter().filter(|a| a.input.kind == "department").count();
        assert!((18..=25).contains(&departments), "{departments} departments");
        assert_eq!(p.agencies[0].input.code, "UBND");
        assert_eq!(p.agencies[0].input.kind, "province");
    }

    #[test]
    fn fixed_codes_exist() {
        let p = province(1);
        let agency = |c: &str| p.agencies.iter().find(|a| a.input.code == c).map(|a| &a.input);
        for c in ["UBND", "SYT", "STC", "SKHCN", "CAT", "SGDDT", "SNNMT", "VPUBND", "TTT"] {
            assert!(agency(c).is_some(), "agency {c}");
        }
        assert_eq!(agency("SYT").unwrap().name, "Sở Y tế");
        let system =
            |c: &str| p.systems.iter().find(|s| s.input.code == c).map(|s| &s.input).unwrap_or_else(|| panic!("{c}"));
        let io = system("IOFFICE");
        assert!(io.shared);
        assert_eq!((io.owner_code.as_str(), io.operator_code.as_str()), ("UBND", "SKHCN"));
        assert_eq!(io.category, "internal");
        let mut deps: Vec<_> = DEPARTMENTS.iter().map(|d| d.code.to_string()).collect();
        let mut users = io.user_codes.clone();
        deps.sort();
        users.sort();
        assert_eq!(users, deps);
        assert!(system("TSLCD").shared && system("TSLCD").category == "infrastructure");
        assert!(system("DVC").shared && system("DVC").category == "citizen_business");
        assert!(system("HNTT").shared);
        assert!(!system("STC-KT").shared && system("STC-KT").owner_code == "STC");
        assert!(!system("SYT-HIS").shared && system("SYT-HIS").owner_code == "SYT");
    }

    #[test]
    fn users_one_per_role() {
        let p = province(1);
        let names: Vec<_> = p.users.iter().map(|u| u.username).collect();
        assert_eq!(names, ["admin", "soc", "thanhtra", "canbo.syt", "canbo.stc", "lanhdao"]);
        for r in Role::ALL {
            assert!(p.users.iter().any(|u| u.role == r), "{r}");
        }
        for u in &p.users {
            assert_eq!(u.agency_code.is_some(), u.role.requires_agency(), "{}", u.username);
            if let Some(c) = u.agency_code {
                assert!(p.agencies.iter().any(|a| a.input.code == c));
            }
        }
    }

    #[test]
    fn scale_ten_for_benchmarks() {
        let p = province(10);
        check(&p);
        assert!(p.agencies.len() >= 8_000, "{} agencies", p.agencies.len());
        assert!(p.systems.len() >= 4_900, "{} systems", p.systems.len());
        assert!(asset_count(&p) >= 19_000, "{} assets", asset_count(&p));
        assert_eq!(province(1).agencies[..], p.agencies[..province(1).agencies.len()]);
    }

    #[test]
    fn deterministic() {
        assert_eq!(province(1), province(1));
        assert_eq!(province(3), province(3));
        assert_eq!(province(0), province(1));
    }
}
