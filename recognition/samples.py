"""The labelled sample set: invoices, packing lists and CMRs rendered from known values, clean and scanned-looking.

Everything is drawn from a seeded `random.Random`, so a seed gives the same documents (and the same bytes
for the text-layer PDFs) every time. Companies carry valid INN/KPP, line items add up, containers have
valid ISO 6346 check digits. A document is written once as a PDF (fpdf2: pure Python, embeds and subsets
Debian's TrueType fonts, including the CJK one, with no C build step, which reportlab's accelerators need),
then rasterised by PDFium for the image variants and degraded (skew, blur, noise, JPEG, low resolution).
Nothing is committed: tests and the benchmark generate what they need into memory.
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import numpy
import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageFilter

from recognition.extraction import tidy
from recognition.model import DocumentType, Language

Quality = Literal["text", "clean", "scanned"]  # text-layer PDF, clean image, scanned-looking image
FONTS: dict[Language, Path] = {
    "ru": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "en": Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "zh": Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
}
CLEAN_DPI = 200
# WenQuanYi's bitmap strikes (BDF) are dropped when fpdf2 subsets the font; that is expected, not worth a warning.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Sample:
    name: str
    document_type: DocumentType
    language: Language
    quality: Quality
    content_type: str
    data: bytes
    fields: dict[str, str]  # the truth, as `Recognition.as_dict()` should give it
    text: str  # every line rendered, for character error rate


# --- the world the documents talk about ---------------------------------------------------------------------------

# (ru, en) pairs: a Russian company as it writes itself and as a foreign supplier writes it.
RUSSIAN_COMPANIES = (
    ("ООО «Северный ветер»", "Severny Veter LLC"),
    ("ООО «Ромашка»", "Romashka LLC"),
    ("АО «Волга Импорт»", "Volga Import JSC"),
    ("ООО «Техноснаб»", "Tekhnosnab LLC"),
    ("ООО «Балтийская логистика»", "Baltic Logistics LLC"),
    ("АО «Уральский завод»", "Uralsky Zavod JSC"),
    ("ООО «Сибирь Трейд»", "Sibir Trade LLC"),
    ("ООО «Восток Авто»", "Vostok Auto LLC"),
)
FOREIGN_SELLERS = (
    "Northwind Trading Ltd",
    "Hanseatic Parts GmbH",
    "Atlas Industrial Supply Inc",
    "Baltic Bearings OU",
    "Milano Macchine S.p.A.",
    "Anatolia Tekstil A.S.",
)
CHINESE_SELLERS = (
    "深圳华盛贸易有限公司",
    "宁波东方机械有限公司",
    "广州新星电子有限公司",
    "义乌恒通进出口有限公司",
    "上海远大工业有限公司",
)
# (ru, en, zh, OKEI unit code, ru unit, en unit, zh unit, low price, high price, fractional quantity)
GOODS = (
    ("Подшипник шариковый 6204", "Ball bearing 6204", "球轴承 6204", "796", "шт", "pcs", "件", 2, 60, False),
    ("Кабель силовой ВВГ 3x2.5", "Power cable 3x2.5", "电力电缆 3x2.5", "006", "м", "m", "米", 1, 9, False),
    ("Насос центробежный", "Centrifugal pump", "离心泵", "796", "шт", "pcs", "件", 150, 2400, False),
    ("Гранулы полипропилена", "Polypropylene granules", "聚丙烯颗粒", "166", "кг", "kg", "千克", 1, 4, True),
    ("Набор инструментов", "Tool set", "工具套装", "839", "компл", "set", "套", 20, 300, False),
    ("Светодиодная лампа E27", "LED lamp E27", "LED灯泡 E27", "796", "шт", "pcs", "件", 1, 12, False),
    ("Фильтр масляный", "Oil filter", "机油滤清器", "796", "шт", "pcs", "件", 3, 40, False),
    ("Ткань хлопковая", "Cotton fabric", "棉布", "006", "м", "m", "米", 2, 15, True),
    ("Перчатки рабочие", "Work gloves", "劳保手套", "715", "пар", "pairs", "双", 1, 5, False),
    ("Клей монтажный", "Mounting adhesive", "安装胶", "166", "кг", "kg", "千克", 4, 30, True),
)
# (ru, en, zh) places of loading and delivery.
PLACES = (
    ("Москва, Россия", "Moscow, Russia", "莫斯科, 俄罗斯"),
    ("Санкт-Петербург, Россия", "Saint Petersburg, Russia", "圣彼得堡, 俄罗斯"),
    ("Минск, Беларусь", "Minsk, Belarus", "明斯克, 白俄罗斯"),
    ("Алматы, Казахстан", "Almaty, Kazakhstan", "阿拉木图, 哈萨克斯坦"),
    ("Урумчи, Китай", "Urumqi, China", "乌鲁木齐, 中国"),
    ("Гамбург, Германия", "Hamburg, Germany", "汉堡, 德国"),
    ("Екатеринбург, Россия", "Yekaterinburg, Russia", "叶卡捷琳堡, 俄罗斯"),
)
CONTAINER_OWNERS = ("MSCU", "TGHU", "CMAU", "HLXU", "OOLU", "TCNU")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
REGIONS = ("77", "78", "50", "66", "54", "16", "23", "52")


def organisation_inn(rng: random.Random) -> str:
    body = rng.choice(REGIONS) + "".join(str(rng.randrange(10)) for _ in range(7))
    check = sum(int(d) * w for d, w in zip(body, INN_WEIGHTS, strict=True)) % 11 % 10
    return body + str(check)


def container_number(rng: random.Random) -> str:
    """An ISO 6346 container number with its check digit."""
    from recognition.validation import container_check_digit

    body = rng.choice(CONTAINER_OWNERS) + "".join(str(rng.randrange(10)) for _ in range(6))
    return body + str(container_check_digit(body))


# --- how each language writes numbers, dates and labels --------------------------------------------------------


def money_text(value: Decimal, language: Language) -> str:
    whole, cents = f"{value:.2f}".split(".")
    grouped = f"{int(whole):,}"
    if language == "ru":
        return grouped.replace(",", " ") + "," + cents
    return grouped + "." + cents


def quantity_text(value: Decimal, language: Language) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if language == "ru" else text


def date_text(year: int, month: int, day: int, language: Language) -> str:
    if language == "ru":
        return f"{day:02d}.{month:02d}.{year}"
    if language == "en":
        return f"{day} {MONTHS_EN[month - 1]} {year}"
    return f"{year}年{month}月{day}日"


def plain(value: Decimal) -> str:
    """How a recognised amount or quantity is given back: a dot, no grouping, no trailing zeros for quantities."""
    return f"{value.normalize():f}"


Row = list[tuple[float, str]]  # (x in mm, text) cells of one printed line


@dataclass
class Draft:
    title: str
    rows: list[Row]
    fields: dict[str, str]


def _company(rng: random.Random) -> tuple[str, str, str, str]:
    ru, en = rng.choice(RUSSIAN_COMPANIES)
    inn = organisation_inn(rng)
    kpp = inn[:4] + "01" + "001"
    return ru, en, inn, kpp


def _date(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(2024, 2027), rng.randrange(1, 13), rng.randrange(1, 29)


def _items(rng: random.Random, language: Language, count: int) -> list[tuple[str, Decimal, str, str, Decimal]]:
    chosen = rng.sample(GOODS, count)
    column = {"ru": 0, "en": 1, "zh": 2}[language]
    unit_column = {"ru": 4, "en": 5, "zh": 6}[language]
    out = []
    for good in chosen:
        low, high, fractional = good[7], good[8], good[9]
        quantity = Decimal(rng.randrange(10, 5000)) / 10 if fractional else Decimal(rng.randrange(1, 400))
        price = Decimal(rng.randrange(low * 100, high * 100)) / 100
        out.append((str(good[column]), quantity, str(good[unit_column]), str(good[3]), price))
    return out


def invoice(rng: random.Random, language: Language) -> Draft:
    year, month, day = _date(rng)
    number = f"INV-{year}-{rng.randrange(1, 9999):04d}"
    buyer_ru, buyer_en, buyer_inn, buyer_kpp = _company(rng)
    currency = rng.choice({"ru": ("RUB", "USD", "EUR", "CNY"), "en": ("USD", "EUR"), "zh": ("USD", "CNY")}[language])
    vat_rate = rng.choice({"ru": (20, 10), "en": (0, 20), "zh": (0, 13)}[language])
    fields = {"number": number, "date": f"{year:04d}-{month:02d}-{day:02d}", "currency": currency}
    rows: list[Row] = []
    date = date_text(year, month, day, language)
    if language == "ru":
        seller_ru, _, seller_inn, seller_kpp = _company(rng)
        while seller_ru == buyer_ru:
            seller_ru, _, seller_inn, seller_kpp = _company(rng)
        title = f"КОММЕРЧЕСКИЙ ИНВОЙС № {number} от {date}"
        rows += [
            [(15, f"Продавец: {seller_ru}")],
            [(15, f"ИНН/КПП продавца: {seller_inn}/{seller_kpp}")],
            [(15, f"Покупатель: {buyer_ru}")],
            [(15, f"ИНН/КПП покупателя: {buyer_inn}/{buyer_kpp}")],
            [(15, f"Валюта: {currency}")],
        ]
        fields |= {
            "seller": seller_ru,
            "seller_inn": seller_inn,
            "seller_kpp": seller_kpp,
            "buyer": buyer_ru,
            "buyer_inn": buyer_inn,
            "buyer_kpp": buyer_kpp,
        }
        header = ["№", "Наименование товара", "Кол-во", "Ед.", "Цена", "Сумма"]
        totals = ("Итого без НДС:", f"НДС {vat_rate}%:", "Всего к оплате:")
    elif language == "en":
        seller = rng.choice(FOREIGN_SELLERS)
        title = "COMMERCIAL INVOICE"
        rows += [
            [(15, f"Invoice No.: {number}")],
            [(15, f"Date: {date}")],
            [(15, f"Seller: {seller}")],
            [(15, f"Buyer: {buyer_en}")],
            [(15, f"Buyer INN/KPP: {buyer_inn}/{buyer_kpp}")],
            [(15, f"Currency: {currency}")],
        ]
        fields |= {"seller": seller, "buyer": buyer_en, "buyer_inn": buyer_inn, "buyer_kpp": buyer_kpp}
        header = ["No.", "Description of goods", "Qty", "Unit", "Unit price", "Amount"]
        totals = ("Subtotal:", f"VAT {vat_rate}%:", "Total:")
    else:
        seller = rng.choice(CHINESE_SELLERS)
        title = "商业发票"
        rows += [
            [(15, f"发票号码：{number}")],
            [(15, f"日期：{date}")],
            [(15, f"卖方：{seller}")],
            [(15, f"买方：{buyer_en}")],
            [(15, f"买方 INN/KPP：{buyer_inn}/{buyer_kpp}")],
            [(15, f"币种：{currency}")],
        ]
        fields |= {"seller": seller, "buyer": buyer_en, "buyer_inn": buyer_inn, "buyer_kpp": buyer_kpp}
        header = ["序号", "品名", "数量", "单位", "单价", "金额"]
        totals = ("小计：", f"增值税 {vat_rate}%：", "总计：")
    columns = (15, 25, 105, 128, 145, 172)
    rows.append([])
    rows.append(list(zip(columns, header, strict=True)))
    subtotal = Decimal(0)
    for i, (description, quantity, unit, okei, price) in enumerate(_items(rng, language, rng.randrange(2, 6))):
        amount = (quantity * price).quantize(Decimal("0.01"), ROUND_HALF_UP)
        subtotal += amount
        cells = (
            str(i + 1),
            description,
            quantity_text(quantity, language),
            unit,
            money_text(price, language),
            money_text(amount, language),
        )
        rows.append(list(zip(columns, cells, strict=True)))
        fields |= {
            f"items[{i}].description": description,
            f"items[{i}].quantity": plain(quantity),
            f"items[{i}].unit": okei,
            f"items[{i}].unit_price": f"{price:.2f}",
            f"items[{i}].amount": f"{amount:.2f}",
        }
    vat = (subtotal * vat_rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    total = subtotal + vat
    rows.append([])
    for label, value in zip(totals, (subtotal, vat, total), strict=True):
        rows.append([(110, label), (165, money_text(value, language))])
    fields |= {
        "subtotal": f"{subtotal:.2f}",
        "vat_rate": str(vat_rate),
        "vat_amount": f"{vat:.2f}",
        "total": f"{total:.2f}",
    }
    return Draft(title, rows, fields)


def packing_list(rng: random.Random, language: Language) -> Draft:
    year, month, day = _date(rng)
    number = f"PL-{year}-{rng.randrange(1, 9999):04d}"
    date = date_text(year, month, day, language)
    packages = rng.randrange(1, 60)
    net = Decimal(rng.randrange(500, 200000)) / 10
    gross = net + Decimal(rng.randrange(10, 3000)) / 10

    def weight(value: Decimal) -> str:
        return quantity_text(value, "ru") if language == "ru" else str(value)

    fields = {
        "number": number,
        "date": f"{year:04d}-{month:02d}-{day:02d}",
        "packages": str(packages),
        "gross_weight_kg": plain(gross),
        "net_weight_kg": plain(net),
    }
    if language == "ru":
        title = f"УПАКОВОЧНЫЙ ЛИСТ № {number} от {date}"
        rows: list[Row] = [
            [(15, f"Количество мест: {packages}")],
            [(15, f"Вес брутто, кг: {weight(gross)}")],
            [(15, f"Вес нетто, кг: {weight(net)}")],
        ]
        header = ["№", "Наименование товара", "Кол-во", "Ед."]
    elif language == "en":
        title = "PACKING LIST"
        rows = [
            [(15, f"Packing list No.: {number}")],
            [(15, f"Date: {date}")],
            [(15, f"Number of packages: {packages}")],
            [(15, f"Gross weight, kg: {weight(gross)}")],
            [(15, f"Net weight, kg: {weight(net)}")],
        ]
        header = ["No.", "Description of goods", "Qty", "Unit"]
    else:
        title = "装箱单"
        rows = [
            [(15, f"装箱单号：{number}")],
            [(15, f"日期：{date}")],
            [(15, f"件数：{packages}")],
            [(15, f"毛重（千克）：{weight(gross)}")],
            [(15, f"净重（千克）：{weight(net)}")],
        ]
        header = ["序号", "品名", "数量", "单位"]
    columns = (15, 25, 125, 150)
    rows.append([])
    rows.append(list(zip(columns, header, strict=True)))
    for i, (description, quantity, unit, okei, _) in enumerate(_items(rng, language, rng.randrange(2, 6))):
        rows.append(list(zip(columns, (str(i + 1), description, quantity_text(quantity, language), unit), strict=True)))
        fields |= {
            f"items[{i}].description": description,
            f"items[{i}].quantity": plain(quantity),
            f"items[{i}].unit": okei,
        }
    return Draft(title, rows, fields)


def cmr(rng: random.Random, language: Language) -> Draft:
    year, month, day = _date(rng)
    number = f"CMR-{year}-{rng.randrange(1, 99999):05d}"
    date = date_text(year, month, day, language)
    column = {"ru": 0, "en": 1, "zh": 2}[language]
    loading, delivery = (place[column] for place in rng.sample(PLACES, 2))
    containers = [container_number(rng) for _ in range(rng.randrange(1, 3))]
    receiver_ru, receiver_en, _, _ = _company(rng)
    if language == "ru":
        sender = rng.choice([*FOREIGN_SELLERS, *(c[0] for c in RUSSIAN_COMPANIES)])
        consignee = receiver_ru
    elif language == "en":
        sender, consignee = rng.choice(FOREIGN_SELLERS), receiver_en
    else:
        sender, consignee = rng.choice(CHINESE_SELLERS), receiver_en
    fields = {
        "number": number,
        "date": f"{year:04d}-{month:02d}-{day:02d}",
        "sender": sender,
        "consignee": consignee,
        "place_of_loading": loading,
        "place_of_delivery": delivery,
    } | {f"containers[{i}]": c for i, c in enumerate(containers)}
    listed = ", ".join(containers)
    if language == "ru":
        title = f"ТОВАРНО-ТРАНСПОРТНАЯ НАКЛАДНАЯ CMR № {number}"
        labels = ("Дата составления", "Отправитель", "Получатель", "Место погрузки", "Место доставки", "Контейнеры")
    elif language == "en":
        title = f"CMR INTERNATIONAL CONSIGNMENT NOTE No. {number}"
        labels = ("Date", "Sender", "Consignee", "Place of loading", "Place of delivery", "Containers")
    else:
        title = f"国际公路货物运输单 CMR 编号：{number}"
        labels = ("日期", "发货人", "收货人", "装货地点", "交货地点", "集装箱号")
    colon = "：" if language == "zh" else ": "
    values = (date, sender, consignee, loading, delivery, listed)
    rows: list[Row] = [[(15, label + colon + value)] for label, value in zip(labels, values, strict=True)]
    return Draft(title, rows, fields)


DRAFTERS = {"commercial_invoice": invoice, "packing_list": packing_list, "cmr": cmr}


# --- rendering ------------------------------------------------------------------------------------------------


@cache
def _font(language: Language) -> Path:
    path = FONTS[language]
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: install the fonts of stack/bootstrap.sh (fonts-dejavu-core, fonts-wqy-zenhei)"
        )
    return path


def render_pdf(draft: Draft, language: Language) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))  # fixed: the same seed gives the same bytes
    pdf.add_page()
    pdf.add_font("body", fname=str(_font(language)))
    pdf.set_font("body", size=13)
    pdf.set_xy(15, 18)
    pdf.cell(text=draft.title)
    pdf.set_font("body", size=11)
    y = 32.0
    for row in draft.rows:
        for x, text in row:
            pdf.set_xy(x, y)
            pdf.cell(text=text)
        y += 8.0
    return bytes(pdf.output())


def rasterise(pdf: bytes, dpi: int) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()


def scanned(image: Image.Image, rng: random.Random) -> Image.Image:
    """A page as a cheap scanner or a phone gives it: lower resolution, a slight skew, blur, grain."""
    low = rng.choice((150, 130, 110)) / CLEAN_DPI
    page = image.resize((int(image.width * low), int(image.height * low)), Image.Resampling.BILINEAR)
    page = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
    return Image.blend(page, grain(page.size, rng.uniform(12, 24), rng), 0.12)


def grain(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Gaussian noise around mid-grey, drawn from the sample's own seed. (PIL's `effect_noise` draws from the C
    library's `rand()`, whose state is whatever the process did before: the same seed gave other pages, and other
    OCR results, depending on the tests that ran earlier.)"""
    width, height = size
    noise = numpy.random.default_rng(rng.getrandbits(64)).normal(128.0, sigma, (height, width))
    return Image.fromarray(noise.clip(0, 255).astype(numpy.uint8), "L")


def encode(image: Image.Image, kind: Literal["PNG", "JPEG"], quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, quality=quality) if kind == "JPEG" else image.save(out, kind, optimize=False)
    return out.getvalue()


def sample(seed: int, document_type: DocumentType, language: Language, quality: Quality) -> Sample:
    rng = random.Random(f"{seed}:{document_type}:{language}:{quality}")
    draft = DRAFTERS[document_type](rng, language)
    draft.fields = {name: tidy(value) for name, value in draft.fields.items()}
    pdf = render_pdf(draft, language)
    name = f"{document_type}-{language}-{quality}-{seed}"
    text = "\n".join([draft.title, *(" ".join(t for _, t in row) for row in draft.rows if row)])
    if quality == "text":
        return Sample(name, document_type, language, quality, "application/pdf", pdf, draft.fields, text)
    page = rasterise(pdf, CLEAN_DPI)
    if quality == "clean":
        return Sample(name, document_type, language, quality, "image/png", encode(page, "PNG"), draft.fields, text)
    data = encode(scanned(page, rng), "JPEG", quality=rng.randrange(35, 60))
    return Sample(name, document_type, language, quality, "image/jpeg", data, draft.fields, text)


def labelled_set(
    per_kind: dict[Quality, int] | None = None,
    languages: tuple[Language, ...] = ("ru", "en", "zh"),
    document_types: tuple[DocumentType, ...] = ("commercial_invoice", "packing_list", "cmr"),
    seed: int = 0,
) -> Iterator[Sample]:
    """Samples for every type x language x quality, `per_kind[quality]` of each (default 2 text, 2 clean, 3 scanned)."""
    counts = per_kind or {"text": 2, "clean": 2, "scanned": 3}
    for document_type in document_types:
        for language in languages:
            for quality, count in counts.items():
                for n in range(count):
                    yield sample(seed + n, document_type, language, quality)
