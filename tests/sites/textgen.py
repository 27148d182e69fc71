"""Deterministic article text from templates and vocabulary, in English, Traditional Chinese and Indonesian.

Topic "ai" texts mention AI, "partnership" texts mention cooperation/partnership, "none" texts mention neither
(so the default rules must not fire on them).
"""

from __future__ import annotations

import random
from datetime import datetime

TOPICS = ("ai", "partnership", "none")

VOCAB: dict[str, dict[str, list[str]]] = {
    "en": {
        "actor": [
            "Foreign Minister Lin Chia-lung",
            "Premier Cho Jung-tai",
            "President Lai Ching-te",
            "Digital Affairs Minister Lin Yi-jing",
            "Economics Minister Kung Ming-hsin",
            "Vice President Hsiao Bi-khim",
            "Deputy Foreign Minister Francois Wu",
        ],
        "country": [
            "Japan",
            "the Philippines",
            "Indonesia",
            "Vietnam",
            "Thailand",
            "Poland",
            "Lithuania",
            "Paraguay",
            "Guatemala",
            "Eswatini",
            "Australia",
            "India",
            "Malaysia",
            "Czechia",
        ],
        "city": ["Taipei", "Kaohsiung", "Taichung", "Tainan", "Hsinchu", "Taoyuan", "Hualien", "Taitung"],
        "sector": [
            "semiconductors",
            "smart healthcare",
            "digital government",
            "green energy",
            "cybersecurity",
            "smart agriculture",
            "supply chain resilience",
        ],
        "plain": [
            "public health",
            "tourism",
            "disaster relief",
            "flood prevention",
            "higher education",
            "cultural heritage",
            "rail transport",
            "food safety",
        ],
        "org": [
            "The Ministry of Foreign Affairs",
            "The Ministry of Digital Affairs",
            "The Executive Yuan",
            "The National Development Council",
            "The Ministry of Economic Affairs",
        ],
    },
    "zh": {
        "actor": [
            "外交部長林佳龍",
            "行政院長卓榮泰",
            "總統賴清德",
            "數位發展部長林宜敬",
            "經濟部長龔明鑫",
            "副總統蕭美琴",
            "外交部政務次長吳志中",
        ],
        "country": [
            "日本",
            "菲律賓",
            "印尼",
            "越南",
            "泰國",
            "波蘭",
            "立陶宛",
            "巴拉圭",
            "瓜地馬拉",
            "史瓦帝尼",
            "澳洲",
            "印度",
            "馬來西亞",
            "捷克",
        ],
        "city": ["台北", "高雄", "台中", "台南", "新竹", "桃園", "花蓮", "台東"],
        "sector": ["半導體", "智慧醫療", "數位政府", "綠色能源", "資通安全", "智慧農業", "供應鏈韌性"],
        "plain": ["公共衛生", "觀光", "防災", "防洪", "高等教育", "文化資產", "鐵道運輸", "食品安全"],
        "org": ["外交部", "數位發展部", "行政院", "國家發展委員會", "經濟部"],
    },
    "id": {
        "actor": [
            "Menteri Luar Negeri Lin Chia-lung",
            "Perdana Menteri Cho Jung-tai",
            "Presiden Lai Ching-te",
            "Menteri Urusan Digital Lin Yi-jing",
            "Menteri Ekonomi Kung Ming-hsin",
            "Wakil Presiden Hsiao Bi-khim",
        ],
        "country": [
            "Indonesia",
            "Filipina",
            "Vietnam",
            "Thailand",
            "Jepang",
            "India",
            "Australia",
            "Malaysia",
            "Polandia",
            "Paraguay",
        ],
        "city": ["Taipei", "Kaohsiung", "Taichung", "Tainan", "Hsinchu", "Taoyuan", "Hualien"],
        "sector": [
            "semikonduktor",
            "layanan kesehatan cerdas",
            "pemerintahan digital",
            "energi hijau",
            "keamanan siber",
            "pertanian cerdas",
            "ketahanan rantai pasok",
        ],
        "plain": [
            "kesehatan masyarakat",
            "pariwisata",
            "penanggulangan bencana",
            "pendidikan tinggi",
            "kebudayaan",
            "transportasi kereta api",
            "keamanan pangan",
        ],
        "org": [
            "Kementerian Luar Negeri (MOFA Taiwan)",
            "Kementerian Urusan Digital (MODA)",
            "Yuan Eksekutif",
            "Dewan Pembangunan Nasional",
        ],
    },
}

TITLES: dict[str, dict[str, list[str]]] = {
    "en": {
        "ai": [
            "{actor} highlights AI development with {country}",
            "Taiwan, {country} discuss artificial intelligence in {sector}",
            "{org_s} unveils AI action plan for {sector}",
        ],
        "partnership": [
            "Taiwan, {country} sign MOU to deepen {sector} cooperation",
            "{actor} calls for closer partnership with {country}",
            "Taiwan and {country} expand cooperation in {sector}",
        ],
        "none": [
            "{actor} visits {city} to review {plain} projects",
            "{org_s} reports progress on {plain} in {city}",
            "{city} hosts forum on {plain} with {n} participants",
        ],
    },
    "zh": {
        "ai": [
            "{actor}談人工智慧 盼與{country}共推{sector}",
            "台灣與{country}交流AI應用 聚焦{sector}",
            "{org}公布人工智慧行動計畫 推動{sector}",
        ],
        "partnership": [
            "台灣與{country}簽署{sector}合作備忘錄",
            "{actor}：深化與{country}夥伴關係",
            "台{country}擴大{sector}合作",
        ],
        "none": ["{actor}視察{city}{plain}計畫", "{org}說明{city}{plain}進展", "{city}舉辦{plain}論壇 {n}人參加"],
    },
    "id": {
        "ai": [
            "{actor} Dorong Pengembangan AI bersama {country}",
            "Taiwan dan {country} Bahas Kecerdasan Buatan di Bidang {sector}",
            "{org_s} Luncurkan Rencana Aksi AI untuk {sector}",
        ],
        "partnership": [
            "Taiwan dan {country} Tandatangani MOU Kerja Sama {sector}",
            "{actor}: Taiwan Perkuat Kemitraan dengan {country}",
            "Taiwan dan {country} Perluas Kerja Sama {sector}",
        ],
        "none": [
            "{actor} Tinjau Program {plain} di {city}",
            "{org_s} Laporkan Kemajuan {plain} di {city}",
            "Forum {plain} Digelar di {city}, Dihadiri {n} Peserta",
        ],
    },
}

TOPIC_PARAS: dict[str, dict[str, list[str]]] = {
    "en": {
        "ai": [
            "{actor} said on {weekday} that Taiwan will apply artificial intelligence (AI) to {sector} "
            "together with {country}, building on its strength in chip manufacturing.",
            "Officials said AI tools developed in {city} could help {country} modernize {sector}, and that "
            "a pilot program worth NT${n} million would start next year.",
            "The plan also covers AI governance, training for {n} engineers and data centers.",
        ],
        "partnership": [
            "{actor} said on {weekday} that Taiwan and {country} would deepen cooperation in "
            "{sector}, after the two sides signed a memorandum of understanding (MOU) in {city}.",
            "The partnership will bring together {n} companies and research institutes from both "
            "countries, officials said.",
            "Both sides agreed to meet again next year to review the cooperation projects.",
        ],
        "none": [
            "{actor} on {weekday} visited {city} to review {plain} projects that have received "
            "NT${n} million in funding this year.",
            "Local officials said the projects had reached {n} households and would be extended to "
            "neighboring townships.",
            "The government will publish a progress report on {plain} by the end of the year.",
        ],
    },
    "zh": {
        "ai": [
            "{actor}{weekday}表示，台灣將與{country}攜手把人工智慧（AI）應用於{sector}，發揮台灣晶片製造優勢。",
            "官員指出，{city}研發的AI工具可協助{country}推動{sector}轉型，明年將啟動新台幣{n}百萬元的試辦計畫。",
            "計畫也涵蓋人工智慧治理、培訓{n}名工程師及資料中心建置。",
        ],
        "partnership": [
            "{actor}{weekday}表示，台灣與{country}在{city}簽署合作備忘錄後，將深化{sector}領域合作。",
            "官員說，這項夥伴關係將結合雙方{n}家企業與研究機構。",
            "雙方同意明年再次會面，檢視各項合作計畫的進度。",
        ],
        "none": [
            "{actor}{weekday}前往{city}視察{plain}計畫，今年相關經費達新台幣{n}百萬元。",
            "地方官員表示，計畫已照顧{n}戶家庭，未來將擴及鄰近鄉鎮。",
            "政府將在年底前公布{plain}的執行成果報告。",
        ],
    },
    "id": {
        "ai": [
            "{actor} menyatakan pada hari {weekday} bahwa Taiwan akan menerapkan kecerdasan buatan (AI) "
            "di bidang {sector} bersama {country}, dengan memanfaatkan keunggulan industri cip Taiwan.",
            "Para pejabat mengatakan teknologi AI yang dikembangkan di {city} dapat membantu {country} "
            "memodernisasi {sector}, dan program percontohan senilai NT${n} juta akan dimulai tahun depan.",
            "Rencana tersebut juga mencakup tata kelola AI, pelatihan bagi {n} insinyur, dan pusat data.",
        ],
        "partnership": [
            "{actor} menyatakan pada hari {weekday} bahwa Taiwan dan {country} akan memperdalam "
            "kerja sama di bidang {sector}, setelah kedua pihak menandatangani MOU di {city}.",
            "Kemitraan ini akan melibatkan {n} perusahaan dan lembaga penelitian dari kedua negara.",
            "Kedua pihak sepakat untuk kembali bertemu tahun depan guna meninjau proyek kerja sama.",
        ],
        "none": [
            "{actor} pada hari {weekday} mengunjungi {city} untuk meninjau program {plain} yang tahun "
            "ini menerima dana NT${n} juta.",
            "Pejabat setempat mengatakan program tersebut telah menjangkau {n} rumah tangga dan akan "
            "diperluas ke kecamatan sekitarnya.",
            "Pemerintah akan menerbitkan laporan kemajuan program {plain} pada akhir tahun.",
        ],
    },
}

NEUTRAL: dict[str, list[str]] = {
    "en": [
        "The announcement came as {country} prepares to host a regional meeting on {plain} later this year.",
        "According to the ministry, {n} officials from {city} attended the event, which was open to the press.",
        "Taiwan has sent delegations to {country} every year since {year}, the ministry said.",
        "Further details will be released on the ministry's website, officials added.",
        "The visit was the {nth} of its kind this year, according to the organizers.",
    ],
    "zh": [
        "{country}今年稍晚將主辦{plain}區域會議，相關宣布正值此時。",
        "根據部會資料，{city}共有{n}名官員出席活動，並開放媒體採訪。",
        "部會表示，台灣自{year}年起每年派團訪問{country}。",
        "官員補充，更多細節將公布於部會網站。",
        "主辦單位指出，這是今年第{nth_zh}場同類活動。",
    ],
    "id": [
        "Pengumuman ini disampaikan menjelang pertemuan regional tentang {plain} di {country} akhir tahun ini.",
        "Menurut kementerian, {n} pejabat dari {city} menghadiri acara tersebut yang terbuka untuk media.",
        "Kementerian menyatakan bahwa Taiwan telah mengirimkan delegasi ke {country} setiap tahun sejak {year}.",
        "Rincian lebih lanjut akan diumumkan di situs web kementerian, tambah para pejabat.",
        "Menurut penyelenggara, kunjungan ini merupakan yang ke-{nth} pada tahun ini.",
    ],
}

WEEKDAY = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "zh": ["週一", "週二", "週三", "週四", "週五", "週六", "今天"],
    "id": ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
}
NTH = ["second", "third", "fourth", "fifth", "sixth", "seventh"]
NTH_ZH = ["二", "三", "四", "五", "六", "七"]
AP_MONTH = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


def topic_for(rng: random.Random) -> str:
    r = rng.random()
    return "ai" if r < 0.3 else "partnership" if r < 0.6 else "none"


def slots(lang: str, rng: random.Random, when: datetime) -> dict[str, str]:
    v = VOCAB[lang]
    org = rng.choice(v["org"])
    return {
        "actor": rng.choice(v["actor"]),
        "country": rng.choice(v["country"]),
        "city": rng.choice(v["city"]),
        "sector": rng.choice(v["sector"]),
        "plain": rng.choice(v["plain"]),
        "org": org,
        "org_s": org[4:] if org.startswith("The ") else org,
        "n": str(rng.randint(12, 980)),
        "year": str(rng.randint(2005, 2019)),
        "nth": rng.choice(NTH),
        "nth_zh": rng.choice(NTH_ZH),
        "weekday": WEEKDAY[lang][when.weekday()],
    }


def make_text(lang: str, topic: str, rng: random.Random, when: datetime) -> tuple[str, list[str]]:
    """A title and 3 to 6 paragraphs."""
    s = slots(lang, rng, when)
    title = rng.choice(TITLES[lang][topic]).format(**s)
    title = title[0].upper() + title[1:]
    topical = TOPIC_PARAS[lang][topic]
    neutral = rng.sample(NEUTRAL[lang], k=rng.randint(1, 3))
    paras = [topical[0], *neutral[:1], topical[1], *neutral[1:], topical[2]]
    return title, [p.format(**s) for p in paras]


def ap_dateline(when: datetime, city: str = "Taipei") -> str:
    return f"{city}, {AP_MONTH[when.month - 1]} {when.day} (CNA)"
