"""Word lists of edit analysis: numerals, dates, negation, modality, a small gazetteer, boilerplate lines.

Every Latin entry is in folded form (NFKC, casefold); Chinese entries are given in Traditional and matched in
both scripts (Simplified forms are added with opencc).

>>> "tidak" in NEGATIONS and "akan" in MODALS and "januari" in DATE_WORDS
True
"""

from __future__ import annotations

import regex

from rules.text import to_simplified


def words(text: str) -> frozenset[str]:
    """The words of ``text``, split on whitespace."""
    return frozenset(text.split())


NEGATIONS = words(
    """not no never nor neither none nobody nothing nowhere cannot without n't tidak bukan belum tak tiada jangan
    tanpa enggan 不 未 沒 没 無 无 非 否 別 别 莫 勿 毋 甭 休"""
)

MODALS = words(
    """will would shall should may might must can could ought 'll 'd akan mungkin harus wajib dapat bisa boleh
    perlu hendak ingin mau sanggup mesti semestinya seharusnya 將 将 會 会 可 能 應 应 須 须 必 得 該 该 願 愿 要 擬
    拟 恐"""
)

# Words in which a negation or modal character means something else (未來 "future", 能源 "energy", 會議 "meeting").
CJK_NOT_FUNCTION_WORDS = words(
    """未來 未来 非洲 非常 非營利 是否 否則 否则 否認 否认 無論 无论 不過 不过 不斷 不断 不僅 不仅 不但 無人機
    无人机 莫斯科 別人 别人 分別 分别 特別 特别 區別 区别 類別 类别 級別 级别 休息
    退休 能源 能力 功能 技能 效能 性能 產能 产能 智能 可是 許可 许可 認可 认可 會議 会议 社會 社会 機會 机会 國會
    国会 協會 协会 大會 大会 會長 会长 會談 会谈 會見 会见 會面 会面 會晤
    会晤 議會 议会 委員會 委员会 基金會 基金会 展會 展会 年會 年会 理事會 理事会 得到 獲得 获得 取得 記得 记得 覺得
    觉得 值得 心得 所得 要求 重要 主要 需要 要點 要点 摘要 首要 要求 應用
    应用 回應 回应 因應 因应 對應 对应 供應 供应 反應 反应 適應 适应 響應 响应 將軍 将军 必要"""
)

_NUMBER_WORDS_EN = """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand
    million billion trillion dozen dozens hundreds thousands millions billions half quarter double triple twice
    first second third fourth fifth sixth seventh eighth ninth tenth percent per cent"""
_NUMBER_WORDS_ID = """nol satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas puluh puluhan
    ratus ratusan ribu ribuan juta jutaan miliar milyar triliun seratus seribu sejuta setengah separuh seperempat
    pertama kedua ketiga keempat kelima keenam ketujuh kedelapan kesembilan kesepuluh persen"""
NUMBER_WORDS = frozenset((_NUMBER_WORDS_EN + " " + _NUMBER_WORDS_ID).split())
CJK_NUMERALS = frozenset("零〇一二三四五六七八九十百千萬万億亿兆兩两廿卅壹貳參肆伍陸柒捌玖拾佰仟半倍成")

_MONTHS_EN = """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec"""
_MONTHS_ID = "januari februari maret april mei juni juli agustus september oktober november desember"
_DAYS = """monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight
    senin selasa rabu kamis jumat sabtu minggu ahad hari ini kemarin besok"""
# "may" and "march" are months and words; a changed "may" is a modal first (see the classifier's order).
DATE_WORDS = frozenset((_MONTHS_EN + " " + _MONTHS_ID + " " + _DAYS).split()) - {"hari", "ini"}
CJK_DATE_UNITS = frozenset("年月日號号週周時时分秒晨晚午")
CJK_DATE_WORDS = words("星期 週一 週二 週三 週四 週五 週六 週日 今天 昨天 明天 今日 昨日 明日 上午 下午")

# (English, Indonesian, Chinese) names of countries, regions, places and organisations.
_PLACES = """
Afghanistan|Afganistan|阿富汗 Albania|Albania|阿爾巴尼亞 Algeria|Aljazair|阿爾及利亞 Argentina|Argentina|阿根廷
Armenia|Armenia|亞美尼亞 Australia|Australia|澳洲 Austria|Austria|奧地利 Azerbaijan|Azerbaijan|亞塞拜然
Bahrain|Bahrain|巴林 Bangladesh|Bangladesh|孟加拉 Belarus|Belarus|白俄羅斯 Belgium|Belgia|比利時 Belize|Belize|貝里斯
Bhutan|Bhutan|不丹 Bolivia|Bolivia|玻利維亞 Brazil|Brasil|巴西 Brunei|Brunei|汶萊 Bulgaria|Bulgaria|保加利亞
Cambodia|Kamboja|柬埔寨 Canada|Kanada|加拿大 Chile|Chili|智利 China|Tiongkok|中國 Colombia|Kolombia|哥倫比亞
Croatia|Kroasia|克羅埃西亞 Cuba|Kuba|古巴 Cyprus|Siprus|賽普勒斯 Czechia|Ceko|捷克 Denmark|Denmark|丹麥
Egypt|Mesir|埃及 Estonia|Estonia|愛沙尼亞 Eswatini|Eswatini|史瓦帝尼 Ethiopia|Etiopia|衣索比亞 Fiji|Fiji|斐濟
Finland|Finlandia|芬蘭 France|Prancis|法國 Germany|Jerman|德國 Greece|Yunani|希臘 Guatemala|Guatemala|瓜地馬拉
Haiti|Haiti|海地 Honduras|Honduras|宏都拉斯 Hungary|Hungaria|匈牙利 Iceland|Islandia|冰島 India|India|印度
Indonesia|Indonesia|印尼 Iran|Iran|伊朗 Iraq|Irak|伊拉克 Ireland|Irlandia|愛爾蘭 Israel|Israel|以色列
Italy|Italia|義大利 Japan|Jepang|日本 Jordan|Yordania|約旦 Kazakhstan|Kazakhstan|哈薩克 Kenya|Kenya|肯亞
Korea|Korea|韓國 Kuwait|Kuwait|科威特 Laos|Laos|寮國 Latvia|Latvia|拉脫維亞 Lebanon|Lebanon|黎巴嫩
Lithuania|Lituania|立陶宛 Luxembourg|Luksemburg|盧森堡 Malaysia|Malaysia|馬來西亞 Maldives|Maladewa|馬爾地夫
Malta|Malta|馬爾他 Mexico|Meksiko|墨西哥 Mongolia|Mongolia|蒙古 Morocco|Maroko|摩洛哥 Myanmar|Myanmar|緬甸
Nauru|Nauru|諾魯 Nepal|Nepal|尼泊爾 Netherlands|Belanda|荷蘭 Nicaragua|Nikaragua|尼加拉瓜 Nigeria|Nigeria|奈及利亞
Norway|Norwegia|挪威 Oman|Oman|阿曼 Pakistan|Pakistan|巴基斯坦 Palau|Palau|帛琉 Panama|Panama|巴拿馬
Paraguay|Paraguay|巴拉圭 Peru|Peru|秘魯 Philippines|Filipina|菲律賓 Poland|Polandia|波蘭 Portugal|Portugal|葡萄牙
Qatar|Qatar|卡達 Romania|Rumania|羅馬尼亞 Russia|Rusia|俄羅斯 Rwanda|Rwanda|盧安達 Singapore|Singapura|新加坡
Slovakia|Slowakia|斯洛伐克 Slovenia|Slovenia|斯洛維尼亞 Somaliland|Somaliland|索馬利蘭 Spain|Spanyol|西班牙
Sweden|Swedia|瑞典 Switzerland|Swiss|瑞士 Syria|Suriah|敘利亞 Taiwan|Taiwan|臺灣 Tajikistan|Tajikistan|塔吉克
Tanzania|Tanzania|坦尚尼亞 Thailand|Thailand|泰國 Tonga|Tonga|東加 Tunisia|Tunisia|突尼西亞 Turkey|Turki|土耳其
Tuvalu|Tuvalu|吐瓦魯 Uganda|Uganda|烏干達 Ukraine|Ukraina|烏克蘭 Uruguay|Uruguay|烏拉圭 Uzbekistan|Uzbekistan|烏茲別克
Vanuatu|Vanuatu|萬那杜 Vatican|Vatikan|梵蒂岡 Venezuela|Venezuela|委內瑞拉 Vietnam|Vietnam|越南 Yemen|Yaman|葉門
Zambia|Zambia|尚比亞 Zimbabwe|Zimbabwe|辛巴威 America|Amerika|美國 USA|AS|美 UK|Inggris|英國 Britain|Britania|英
Europe|Eropa|歐洲 Asia|Asia|亞洲 Africa|Afrika|非洲 Oceania|Oseania|大洋洲 Pacific|Pasifik|太平洋
ASEAN|ASEAN|東協 EU|UE|歐盟 NATO|NATO|北約 APEC|APEC|亞太經合會 WHO|WHO|世衛 UN|PBB|聯合國 WTO|WTO|世貿
Taipei|Taipei|臺北 Kaohsiung|Kaohsiung|高雄 Taichung|Taichung|臺中 Tainan|Tainan|臺南 Taoyuan|Taoyuan|桃園
Hsinchu|Hsinchu|新竹 Keelung|Keelung|基隆 Hualien|Hualien|花蓮 Taitung|Taitung|臺東 Kinmen|Kinmen|金門
Matsu|Matsu|馬祖 Penghu|Penghu|澎湖 Tokyo|Tokyo|東京 Osaka|Osaka|大阪 Seoul|Seoul|首爾 Beijing|Beijing|北京
Shanghai|Shanghai|上海 Hong-Kong|Hong-Kong|香港 Macau|Makau|澳門 Jakarta|Jakarta|雅加達 Manila|Manila|馬尼拉
Bangkok|Bangkok|曼谷 Hanoi|Hanoi|河內 Washington|Washington|華盛頓 London|London|倫敦 Paris|Paris|巴黎
Berlin|Berlin|柏林 Brussels|Brussel|布魯塞爾 Moscow|Moskow|莫斯科 Sydney|Sydney|雪梨 Canberra|Canberra|坎培拉
Ottawa|Ottawa|渥太華 Prague|Praha|布拉格 Vilnius|Vilnius|維爾紐斯 Kyiv|Kyiv|基輔 Munich|Munchen|慕尼黑
Geneva|Jenewa|日內瓦 Delhi|Delhi|德里 Mumbai|Mumbai|孟買 Surabaya|Surabaya|泗水 Bali|Bali|峇里島
Kuala-Lumpur|Kuala-Lumpur|吉隆坡 Hawaii|Hawaii|夏威夷 Guam|Guam|關島 Okinawa|Okinawa|沖繩 Tibet|Tibet|西藏
Xinjiang|Xinjiang|新疆 Sabah|Sabah|沙巴 Java|Jawa|爪哇 Sumatra|Sumatra|蘇門答臘 Mindanao|Mindanao|民答那峨
"""
_EXTRA_CJK = """日 韓 美 英 法 德 俄 澳 泰 越 菲 歐 紐 荷 印 兩岸 大陸 中共 北韓 南韓 朝鮮 紐西蘭 新西蘭
    沙烏地阿拉伯 阿拉伯
    阿聯 阿聯酋 南非 美洲 中東 中南美 拉美 東南亞 南亞 台灣 台北 台中 台南 台東 新南向 外交部 數位部 經濟部 國防部
    總統府 行政院 立法院 國民黨 民進黨 民眾黨 中央社 聯合報 白宮 國務院 歐洲議會 世界衛生組織 世界衛生大會 國際刑警
    國際民航組織"""
_EXTRA_LATIN = """united states america american americans japanese korean chinese taiwanese indonesian european
    russian ukrainian australian british french german indian filipino thai vietnamese malaysian singaporean
    south north east west new zealand arab emirates saudi kingdom czech republic lithuanian mofa moda cna
    roc prc dpp kmt tpp taiwan-japan taiwan-us taiwan-u"""


def _gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    latin: set[str] = set(_EXTRA_LATIN.split())
    cjk: set[str] = set(_EXTRA_CJK.split())
    for entry in _PLACES.split():
        english, indonesian, chinese = entry.split("|")
        latin.update(english.casefold().split("-"))
        latin.update(indonesian.casefold().split("-"))
        latin.add(english.casefold())
        cjk.add(chinese)
    cjk.update({to_simplified(term) for term in cjk})
    return frozenset(latin), frozenset(cjk)


LATIN_PLACES, CJK_PLACES = _gazetteer()

ABBREVIATIONS = words(
    """Dr Mr Mrs Ms Mx Prof St Jr Sr Gen Col Lt Capt Cmdr Sgt Maj Gov Sen Rep Pres Hon Rev Amb No Nos Vol Art Fig
    Inc Ltd Co Corp Bros Dept Univ Ave Blvd Rd Mt Ft vs etc al approx est Jan Feb Mar Apr Jun Jul Aug Sep Sept
    Oct Nov Dec Bpk Bp Ibu Ir Drs Dra Hj Tn Ny Nn Sdr Sdri Yth dll dsb dst tsb Kol Jl Jln Prov Kab Kec"""
)

# Lines a clean-up should have removed: every word of the line is one of these, or the line is a copyright notice.
BOILERPLATE_WORDS = words(
    """share shares sharing this page article story post on via to with facebook twitter x line linkedin whatsapp
    telegram weibo wechat plurk email e-mail mail print printer friendly version pdf download back top return
    home homepage previous next prev more read related news tags tag menu skip jump main content go up comment
    comments subscribe follow us copy link url copied font size enlarge close bookmark save rss feed tweet like
    photos photo image images gallery video app the a of and or here click bagikan bagi cetak kembali ke atas
    halaman ini berita terkait lainnya selengkapnya baca juga unduh konten utama tautan salin tutup perbesar
    foto gambar dan atau di sini klik ikuti kami beranda sebelumnya berikutnya"""
)
CJK_BOILERPLATE = (
    "跳到主要內容區塊", "跳到主要內容", "回到頁首", "回頁首", "回上頁", "回上一頁", "返回頂部", "返回", "友善列印",
    "列印本頁",
    "列印", "分享本頁", "分享至", "分享到", "分享", "轉寄", "字級", "字體", "放大", "縮小", "上一則", "下一則",
    "上一篇", "下一篇", "相關新聞", "相關連結", "延伸閱讀", "更多新聞", "更多", "加入書籤", "複製連結", "訂閱", "首頁",
    "推薦", "按讚", "留言", "圖片", "照片", "新南向政策", "中央社", "關閉", "檢視", "網址", "電子郵件", "臉書", "本文",
)
COPYRIGHT = regex.compile(r"©|copyright\s*(?:\(c\)|\d{4})|all rights reserved|版權所有|版权所有|著作權所有|hak cipta")
