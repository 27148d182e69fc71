"""A small built-in gazetteer: key Taiwan officials, heads of state of allies, countries and places, and
organisations, each under one id with its Chinese, English, Indonesian (and some Spanish) forms, so that
林佳龍 = Lin Chia-lung, 美國 = United States = Amerika Serikat, 外交部 = MOFA = Kementerian Luar Negeri.

Latin forms match as written at word boundaries; Chinese forms match as substrings after Traditional→Simplified
folding. Ids start with the kind: ``p:`` person, ``c:`` country or place, ``o:`` organisation.

>>> sorted(gazetteer_hits("外交部長林佳龍").ids)
['o:mofa', 'p:lin-chia-lung']
>>> sorted(gazetteer_hits("Menteri Luar Negeri Lin Chia-lung di Amerika Serikat").ids)
['c:us', 'o:mofa', 'p:lin-chia-lung']
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from rules.text import to_simplified

_PEOPLE = (
    ("lai-ching-te", "Lai Ching-te|William Lai|Lai Ching-teh|President Lai|Presiden Lai|賴清德|賴總統|賴副總統"),
    ("tsai-ing-wen", "Tsai Ing-wen|President Tsai|Presiden Tsai|蔡英文|蔡總統"),
    ("hsiao-bi-khim", "Hsiao Bi-khim|Bi-khim Hsiao|蕭美琴|蕭副總統"),
    ("chen-chien-jen", "Chen Chien-jen|陳建仁"),
    ("cho-jung-tai", "Cho Jung-tai|卓榮泰"),
    ("han-kuo-yu", "Han Kuo-yu|韓國瑜"),
    ("you-si-kun", "You Si-kun|Yu Shyi-kun|游錫堃"),
    ("lin-chia-lung", "Lin Chia-lung|林佳龍"),
    ("joseph-wu", "Joseph Wu|Jaushieh Joseph Wu|Wu Jau-shieh|吳釗燮"),
    ("francois-wu", "François Wu|Francois Wu|Wu Chih-chung|吳志中"),
    ("tien-chung-kwang", "Tien Chung-kwang|田中光"),
    ("roy-chun-lee", "Roy Chun Lee|Lee Chun|Li Chun|李淳"),
    ("chen-ming-chi", "Chen Ming-chi|陳明祺"),
    ("alexander-yui", "Alexander Yui|Yui Tah-ray|Alexander Tah-ray Yui|俞大㵢"),
    ("audrey-tang", "Audrey Tang|唐鳳"),
    ("huang-yen-nun", "Huang Yen-nun|黃彥男"),
    ("lin-yi-jing", "Lin Yi-jing|林宜敬"),
    ("kung-ming-hsin", "Kung Ming-hsin|龔明鑫"),
    ("wellington-koo", "Wellington Koo|顧立雄"),
    ("cheng-li-chiun", "Cheng Li-chiun|鄭麗君"),
    ("chiu-chui-cheng", "Chiu Chui-cheng|邱垂正"),
    ("tsai-ming-yen", "Tsai Ming-yen|蔡明彥"),
    ("wang-mei-hua", "Wang Mei-hua|王美花"),
    ("kuo-jyh-huei", "Kuo Jyh-huei|J.W. Kuo|郭智輝"),
    ("su-chia-chyuan", "Su Chia-chyuan|蘇嘉全"),
    ("whipps", "Surangel Whipps|Whipps Jr|惠恕仁"),
    ("hilda-heine", "Hilda Heine|海妮"),
    ("feleti-teo", "Feleti Teo|戴斐立"),
    ("mswati", "Mswati III|King Mswati|恩史瓦帝三世"),
    ("santiago-pena", "Santiago Peña|Santiago Pena|彭佩亞"),
    ("bernardo-arevalo", "Bernardo Arévalo|阿雷巴洛"),
    ("john-briceno", "John Briceño|John Briceno|布里塞紐"),
    ("terrance-drew", "Terrance Drew"),
    ("ralph-gonsalves", "Ralph Gonsalves|龔薩福"),
    ("philip-pierre", "Philip J. Pierre|Philip Pierre|皮耶"),
)
_PLACES = (
    ("taiwan", "Taiwan|Taiwán|ROC|Republic of China|台灣|臺灣|中華民國"),
    ("us", "United States|U.S.|US|USA|America|Amerika Serikat|AS|Estados Unidos|EE.UU.|美國|美方|台美|臺美"),
    ("china", "China|PRC|Tiongkok|中國|中共|中方"),
    ("japan", "Japan|Jepang|Japón|日本|台日|臺日"),
    ("indonesia", "Indonesia|印尼|印度尼西亞"),
    ("philippines", "Philippines|Filipina|Filipinas|Pilipinas|菲律賓|台菲|臺菲"),
    ("thailand", "Thailand|Tailandia|泰國"),
    ("vietnam", "Vietnam|Viet Nam|越南"),
    ("malaysia", "Malaysia|Malasia|馬來西亞"),
    ("singapore", "Singapore|Singapura|Singapur|新加坡"),
    ("india", "India|印度"),
    ("australia", "Australia|澳洲|澳大利亞"),
    ("new-zealand", "New Zealand|Selandia Baru|Nueva Zelanda|紐西蘭"),
    ("korea", "South Korea|Korea Selatan|Corea del Sur|韓國|南韓"),
    ("palau", "Palau|帛琉"),
    ("marshall-islands", "Marshall Islands|Kepulauan Marshall|Islas Marshall|馬紹爾"),
    ("tuvalu", "Tuvalu|吐瓦魯"),
    ("eswatini", "Eswatini|Swaziland|Esuatini|史瓦帝尼"),
    ("saint-lucia", "Saint Lucia|St. Lucia|St Lucia|Santa Lucía|聖露西亞"),
    ("saint-kitts", "Saint Kitts and Nevis|St. Kitts and Nevis|聖克里斯多福"),
    ("saint-vincent", "Saint Vincent and the Grenadines|St. Vincent|聖文森"),
    ("belize", "Belize|Belice|貝里斯"),
    ("guatemala", "Guatemala|瓜地馬拉"),
    ("paraguay", "Paraguay|Paragwai|巴拉圭"),
    ("haiti", "Haiti|Haití|海地"),
    ("vatican", "Holy See|Vatican|Vatikan|教廷|梵蒂岡"),
    ("lithuania", "Lithuania|Lituania|Lietuva|立陶宛"),
    ("poland", "Poland|Polandia|Polonia|波蘭"),
    ("czechia", "Czech Republic|Czechia|Ceko|Chequia|捷克"),
    ("uk", "United Kingdom|Britain|Inggris|Reino Unido|英國"),
    ("france", "France|Prancis|Francia|法國"),
    ("germany", "Germany|Jerman|Alemania|德國"),
    ("eu", "European Union|Uni Eropa|Unión Europea|歐盟"),
    ("ukraine", "Ukraine|Ukraina|Ucrania|烏克蘭"),
    ("canada", "Canada|Kanada|Canadá|加拿大"),
    ("hawaii", "Hawaii|Hawái|夏威夷"),
    ("guam", "Guam|關島"),
    ("honolulu", "Honolulu|檀香山|火奴魯魯"),
    ("texas", "Texas|德州|德克薩斯"),
    ("taipei", "Taipei|Taipéi|台北|臺北"),
    ("jakarta", "Jakarta|雅加達"),
    ("manila", "Manila|馬尼拉"),
    ("majuro", "Majuro|馬久羅"),
    ("tokyo", "Tokyo|Tokio|東京"),
    ("washington", "Washington|華府|華盛頓"),
)
_ORGANISATIONS = (
    ("mofa", "MOFA|Ministry of Foreign Affairs|Minister of Foreign Affairs|Foreign Minister|Foreign Affairs Minister|"
             "Kementerian Luar Negeri|Menteri Luar Negeri|Kemlu|Menlu|Ministerio de Relaciones Exteriores|"
             "Ministro de Relaciones Exteriores|外交部"),
    ("moda", "MODA|Ministry of Digital Affairs|Kementerian Urusan Digital|數位發展部|數發部"),
    ("moea", "MOEA|Ministry of Economic Affairs|Kementerian Urusan Ekonomi|經濟部"),
    ("presidential-office", "Presidential Office|Office of the President|Kantor Kepresidenan|總統府"),
    ("executive-yuan", "Executive Yuan|Yuan Eksekutif|行政院"),
    ("legislative-yuan", "Legislative Yuan|Yuan Legislatif|立法院"),
    ("nsb", "National Security Bureau|國家安全局|國安局"),
    ("mac", "Mainland Affairs Council|大陸委員會|陸委會"),
    ("ait", "AIT|American Institute in Taiwan|美國在台協會"),
    ("apec", "APEC|Asia-Pacific Economic Cooperation|亞太經濟合作|亞太經合會"),
    ("asean", "ASEAN|Association of Southeast Asian Nations|東協|東南亞國家協會"),
    ("g20", "G20|Group of 20|二十國集團"),
    ("g7", "G7|Group of Seven|七大工業國"),
    ("un", "United Nations|Perserikatan Bangsa-Bangsa|PBB|Naciones Unidas|聯合國"),
    ("who", "World Health Organization|Organisasi Kesehatan Dunia|世界衛生組織|世衛"),
    ("wha", "World Health Assembly|WHA|世界衛生大會"),
    ("icao", "ICAO|International Civil Aviation Organization|國際民航組織"),
    ("nato", "NATO|北約"),
    ("teco", "Taipei Economic and Cultural Office|TECO|TECRO|臺北經濟文化辦事處|台北經濟文化辦事處|"
             "駐美國台北經濟文化代表處"),
    ("teto", "Taipei Economic and Trade Office|TETO|台北經濟貿易代表處|臺北經濟貿易代表處"),
    ("kdei", "KDEI|Indonesian Economic and Trade Office|印尼經濟貿易代表處"),
    ("yushan-forum", "Yushan Forum|Forum Yushan|Foro Yushan|玉山論壇"),
    ("new-southbound", "New Southbound Policy|NSP|Kebijakan Baru ke Arah Selatan|新南向政策"),
    ("cna", "Central News Agency|CNA|中央社|中央通訊社"),
    ("tsmc", "TSMC|Taiwan Semiconductor Manufacturing|台積電"),
    ("itri", "ITRI|Industrial Technology Research Institute|工研院|工業技術研究院"),
    ("icdf", "TaiwanICDF|ICDF|International Cooperation and Development Fund|國合會"),
    ("ocac", "OCAC|Overseas Community Affairs Council|僑務委員會|僑委會"),
    ("ipac", "IPAC|Inter-Parliamentary Alliance on China|對中政策跨國議會聯盟"),
    ("semi", "SEMI|國際半導體產業協會"),
    ("nikkei", "Nikkei|日經"),
)
_TABLES = (("p", _PEOPLE), ("c", _PLACES), ("o", _ORGANISATIONS))
_HAN = regex.compile(r"\p{Han}")
# "President Tsai Ing-wen": the alias "President Tsai" matched, the rest of the name belongs to it.
_NAME_TAIL = regex.compile(r"[ \t]+\p{Lu}\p{Ll}+-\p{Ll}+")


@dataclass(frozen=True)
class GazetteerHits:
    """Ids found and the spans of the Latin forms (so name extraction does not count them twice)."""

    ids: frozenset[str]
    latin_spans: tuple[tuple[int, int], ...]


@functools.cache
def _aliases() -> dict[str, tuple[str, ...]]:
    return {f"{kind}:{key}": tuple(forms.split("|")) for kind, table in _TABLES for key, forms in table}


@functools.cache
def _latin_pattern() -> tuple[regex.Pattern[str], dict[str, str]]:
    owner = {form: gid for gid, forms in _aliases().items() for form in forms if not _HAN.search(form)}
    alternation = "|".join(regex.escape(form) for form in sorted(owner, key=len, reverse=True))
    return regex.compile(rf"(?<![\p{{L}}\p{{N}}])(?:{alternation})(?![\p{{L}}\p{{N}}])"), owner


@functools.cache
def _han_pattern() -> tuple[regex.Pattern[str], dict[str, str]]:
    owner = {to_simplified(form): gid for gid, forms in _aliases().items() for form in forms if _HAN.search(form)}
    alternation = "|".join(regex.escape(form) for form in sorted(owner, key=len, reverse=True))
    return regex.compile(alternation), owner


def gazetteer_hits(text: str, simplified: str | None = None) -> GazetteerHits:
    """Gazetteer ids in ``text`` (``simplified``: the same text already folded to Simplified, if at hand)."""
    latin, latin_owner = _latin_pattern()
    ids: set[str] = set()
    spans: list[tuple[int, int]] = []
    for match in latin.finditer(text):
        ids.add(latin_owner[match.group()])
        tail = _NAME_TAIL.match(text, match.end())
        spans.append((match.start(), tail.end() if tail else match.end()))
    if _HAN.search(text):
        han, han_owner = _han_pattern()
        folded = simplified if simplified is not None else to_simplified(text)
        ids.update(han_owner[match.group()] for match in han.finditer(folded))
    return GazetteerHits(frozenset(ids), tuple(spans))
