"""The other ways one child's name is written across records: nicknames, spellings a clerk or
a form may use, and romanisations of Korean, Chinese, Vietnamese and Karen (Myanmar) names.

Each map goes from a name to its other forms (never the name itself); ``corruption`` draws
from them at the rates of ``ErrorRates``.
"""

from __future__ import annotations

__all__ = ["NICKNAMES", "SPELLING_VARIANTS", "TRANSLITERATIONS"]

NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby", "Robbie"), "William": ("Will", "Bill", "Billy", "Liam"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Eliza"), "Jonathan": ("Jon", "Johnny"),
    "Alejandro": ("Alex", "Ale"), "Guadalupe": ("Lupe",), "Christopher": ("Chris",),
    "Michael": ("Mike", "Mikey"), "Joseph": ("Joe", "Joey"), "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Johnny", "Jack"), "Thomas": ("Tom", "Tommy"), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Nicholas": ("Nick", "Nicky"), "Anthony": ("Tony", "Ant"),
    "Benjamin": ("Ben", "Benny"), "Samuel": ("Sam", "Sammy"), "Alexander": ("Alex", "Xander"),
    "Zachary": ("Zach", "Zack"), "Joshua": ("Josh",), "Andrew": ("Andy", "Drew"),
    "Richard": ("Rick", "Rich", "Ricky"), "Edward": ("Ed", "Eddie", "Ted"),
    "Timothy": ("Tim", "Timmy"), "Steven": ("Steve",), "Nathaniel": ("Nate", "Nat"),
    "Nathan": ("Nate",), "Jacob": ("Jake",), "Patrick": ("Pat",), "Gabriel": ("Gabe",),
    "Jeremiah": ("Jay", "Miah"), "Isaiah": ("Zay",), "Elijah": ("Eli",), "Dominic": ("Dom",),
    "Cameron": ("Cam",), "Tyrese": ("Ty",), "Tyler": ("Ty",), "DeAndre": ("Dre",),
    "Terrell": ("Rell",), "Demetrius": ("Meechie",), "Marcus": ("Marc",), "Jayden": ("Jay",),
    "Christian": ("Chris",), "Charles": ("Charlie", "Chuck"), "Henry": ("Hank",),
    "Francisco": ("Paco", "Pancho", "Frankie"), "José": ("Pepe", "Chepe"), "Jesús": ("Chuy",),
    "Eduardo": ("Lalo",), "Guillermo": ("Memo",), "Roberto": ("Beto",), "Alberto": ("Beto",),
    "Fernando": ("Nando",), "Manuel": ("Manny",), "Mohammed": ("Mo",), "Ibrahim": ("Abe",),
    "Katherine": ("Kate", "Katie", "Kat"), "Jennifer": ("Jen", "Jenny"),
    "Jessica": ("Jess", "Jessie"), "Samantha": ("Sam", "Sammy"), "Alexandra": ("Alex", "Lexi"),
    "Alexis": ("Lexi", "Lex"), "Abigail": ("Abby",), "Madison": ("Maddie",),
    "Victoria": ("Tori", "Vicky"), "Gabrielle": ("Gabby", "Brie"), "Gabriela": ("Gabby",),
    "Isabella": ("Bella", "Izzy"), "Olivia": ("Liv", "Livvy"), "Margaret": ("Maggie", "Meg"),
    "Rebecca": ("Becca", "Becky"), "Kimberly": ("Kim",), "Natalie": ("Nat",),
    "Stephanie": ("Steph",), "Christine": ("Chris", "Tina"), "Jasmine": ("Jazz",),
    "Makayla": ("Kayla",), "Mackenzie": ("Kenzie",), "Jacqueline": ("Jackie",),
    "Daniela": ("Dani",), "Valentina": ("Vale",), "María": ("Mari",), "Alejandra": ("Ale",),
    "Charlotte": ("Charlie",), "Emily": ("Em", "Emmy"), "Evelyn": ("Evie",),
    "Destiny": ("Des",), "Catherine": ("Cathy", "Cat"), "Kennedy": ("Kenni",),
}

# Spellings of one name that a clerk or a form may use for the same child.
_VARIANT_SETS: tuple[tuple[str, ...], ...] = (
    ("Jayden", "Jaden", "Jaiden", "Jaydon"), ("Aaliyah", "Aliyah", "Aleah"),
    ("Brianna", "Breanna", "Bryanna"), ("Kaitlyn", "Katelyn", "Caitlin"),
    ("Jalen", "Jaylen", "Jaylin"), ("Mohammed", "Mohamed", "Muhammad", "Mohammad"),
    ("Ahmad", "Ahmed"), ("Yusuf", "Yousef", "Youssef"), ("Hussein", "Hussain", "Husain"),
    ("Nour", "Noor"), ("Amir", "Ameer"), ("Kareem", "Karim"), ("Zainab", "Zeinab"),
    ("Mariam", "Maryam"), ("Layla", "Laila", "Leila"), ("Khloe", "Chloe"),
    ("Makayla", "Mikayla", "Michaela"), ("Nevaeh", "Neveah"), ("Aniyah", "Aniya"),
    ("Tamia", "Tamiya"), ("Kamari", "Camari"), ("Jazmin", "Jasmine", "Jazmine"),
    ("Brian", "Bryan"), ("Erick", "Eric"), ("Cristian", "Christian"),
    ("Jonathan", "Johnathan", "Jonathon"), ("Steven", "Stephen"), ("Sara", "Sarah"),
    ("Hailey", "Haley", "Hayley"), ("Zoe", "Zoey"), ("Destiny", "Destinee"),
    ("Tyrese", "Tyreese"), ("Davon", "Devon", "Devin"), ("Kennedy", "Kennedi"),
    ("Josselyn", "Joselyn", "Jocelyn"), ("Yesenia", "Yessenia"), ("Génesis", "Jenesis"),
    ("Thompson", "Thomson"), ("Gonzales", "González"), ("Simms", "Sims"),
    ("Pinkney", "Pinckney"), ("Stewart", "Stuart"), ("Gray", "Grey"),
    ("Matthews", "Mathews"), ("Al-Sayed", "Alsayed", "El-Sayed", "El Sayed"),
    ("Abdel-Rahman", "Abdelrahman", "Abdul Rahman"), ("Haddad", "Hadad"),
    ("Khoury", "Khouri"), ("Youssef", "Yousef", "Yusuf"), ("Mohamed", "Mohammed"),
    ("Locklear", "Locklair"), ("Nguyen", "Nguyễn"), ("Hossain", "Hussain"),
    ("Ahmed", "Ahmad"), ("Seo-yeon", "Seoyeon", "Suh-yeon"),
)
SPELLING_VARIANTS: dict[str, tuple[str, ...]] = {
    name: tuple(other for other in variants if other != name)
    for variants in _VARIANT_SETS for name in variants
}

# Romanisations of one Korean, Chinese or Vietnamese name that records of one child hold: the
# family's own spelling, a clerk's from hearing it, a passport's (Revised Romanization,
# McCune-Reischauer, Wade-Giles, Cantonese, pinyin; Vietnamese with or without diacritics).
_TRANSLITERATION_SETS: tuple[tuple[str, ...], ...] = (
    ("Lee", "Yi", "Rhee", "Ri"), ("Park", "Pak", "Bak"), ("Choi", "Choe", "Chey"),
    ("Jung", "Chung", "Jeong", "Cheong"), ("Kang", "Gang"), ("Shin", "Sin", "Shinn"),
    ("Yoon", "Yun"), ("Cho", "Jo"), ("Lim", "Im", "Rim"), ("Seo", "Suh"), ("Kwon", "Kweon"),
    ("Oh", "O"), ("Jang", "Chang"), ("Han", "Hahn"), ("Song", "Sung"),
    ("Zhou", "Chou", "Chow"), ("Xu", "Hsu", "Hui"), ("Zhang", "Chang", "Cheung"),
    ("Chen", "Chan", "Chin"), ("Liu", "Lau", "Lew"), ("Huang", "Hwang", "Wong"),
    ("Wu", "Woo", "Ng"), ("Zhao", "Chao", "Chiu"), ("Guo", "Kuo", "Kwok"), ("Yang", "Yeung"),
    ("Zhu", "Chu", "Chiu"), ("Sun", "Suen"), ("Hu", "Woo"), ("He", "Ho"), ("Lin", "Lam"),
    ("Nguyen", "Nguyễn", "Nguyen", "Nguen", "Ngyuen", "Win"), ("Tran", "Trần", "Chan"),
    ("Pham", "Phạm", "Fam"), ("Le", "Lê"), ("Hoang", "Hoàng", "Huynh", "Hong"),
    ("Vu", "Vũ", "Vo", "Võ"), ("Dang", "Đặng", "Dhang"), ("Bui", "Bùi"), ("Ngo", "Ngô"),
    ("Seo-yeon", "Seoyeon", "Suh-yeon", "Seo Yeon"), ("Ji-woo", "Jiwoo", "Ji-u", "Jee-woo"),
    ("Min-ji", "Minji", "Min Ji"), ("Ha-eun", "Haeun", "Ha Eun"), ("Min-jun", "Minjun", "Min-joon"),
    ("Ji-ho", "Jiho", "Chi-ho"), ("Seo-jun", "Seojun", "Seo-joon", "Suh-joon"),
    ("Hye-jin", "Hyejin", "Hye Jin"), ("Jae-won", "Jaewon", "Jae Won"),
    ("Dong-hyun", "Donghyun", "Dong-hyeon"), ("Xin-yi", "Xinyi", "Hsin-yi"),
    ("Zi-han", "Zihan", "Tzu-han"), ("Yu-tong", "Yutong", "Yu-tung"), ("Jia-hui", "Jiahui",
                                                                          "Chia-hui"),
    ("Yu-xuan", "Yuxuan", "Yu-hsuan"), ("Hao-ran", "Haoran", "Hao-jan"),
    ("Yi-ming", "Yiming", "I-ming"), ("Wei", "Way"), ("Jun", "Chun"), ("Hao", "Ho"),
    ("Minh", "Min"), ("Tuan", "Tuấn"), ("Huy", "Hui"), ("Duc", "Đức", "Duk"),
    ("Quang", "Quan"), ("Khoa", "Koa"), ("Bao", "Bảo"), ("Hieu", "Hiếu", "Hiew"),
    ("Linh", "Lin"), ("Ngoc", "Ngọc", "Nhoc"), ("Thao", "Thảo", "Tao"), ("Anh", "Ahn"),
    ("Thanh Hương", "Thanh Huong", "Thanhhuong"), ("Quốc Bảo", "Quoc Bao", "Quocbao"),
    ("Htoo", "Tu", "Htu"), ("Eh Htoo", "Eh Tu", "Ehtoo"), ("Aung", "Aong"),
)
TRANSLITERATIONS: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys(other for other in variants if other != name))
    for variants in _TRANSLITERATION_SETS for name in variants
}
