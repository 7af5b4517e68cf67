"""Labelled headline + lead pairs, written for this suite, for measuring language detection.

Each is the kind of text bot.language.detect sees: a news title, then the lead's opening, on
AI and security in the nine languages a team is most likely to read. Used by
tests/test_languages.py (an accuracy floor) and bench/language.py (accuracy and speed of the
candidate libraries).
"""

from __future__ import annotations

LABELLED: list[tuple[str, str]] = [
    # English
    ("en", "Hackers abuse AI chatbot to steal customer passwords. Researchers found that a support bot could be tricked into revealing account data."),
    ("en", "Regulators fine bank over facial recognition rollout. The watchdog said the system was deployed without a privacy assessment."),
    ("en", "New jailbreak bypasses safety filters in popular language models. The technique hides instructions inside harmless-looking poems."),
    ("en", "Deepfake video of CEO used in $25 million fraud. Staff joined a video call in which every other participant was fake."),
    ("en", "Open-source model weights leaked on file-sharing site. The company confirmed the files came from an internal test server."),
    ("en", "Government warns of state-backed espionage targeting AI labs. Officials urged researchers to report suspicious contacts."),
    ("en", "Prompt injection lets attackers hijack email assistants. A single crafted message was enough to forward the inbox."),
    # French
    ("fr", "Des pirates détournent un assistant d'IA pour voler des mots de passe. Les chercheurs ont découvert que le robot révélait les données des clients."),
    ("fr", "La CNIL sanctionne une entreprise pour reconnaissance faciale illégale. L'autorité estime que les salariés n'avaient pas été informés."),
    ("fr", "Une nouvelle attaque contourne les garde-fous des modèles de langage. La technique cache des consignes dans des poèmes anodins."),
    ("fr", "Escroquerie à l'hypertrucage : un faux directeur financier dérobe 25 millions. Les employés ont participé à une visioconférence truquée."),
    ("fr", "Les poids d'un modèle d'intelligence artificielle publiés sans autorisation. L'éditeur confirme une fuite depuis un serveur de test."),
    ("fr", "Le gouvernement met en garde contre l'espionnage des laboratoires d'IA. Les chercheurs sont invités à signaler les contacts suspects."),
    ("fr", "Injection de requêtes : les assistants de messagerie vulnérables. Un seul courriel piégé suffit à transférer toute la boîte."),
    # German
    ("de", "Hacker missbrauchen KI-Chatbot, um Passwörter zu stehlen. Forscher fanden heraus, dass der Assistent Kundendaten preisgab."),
    ("de", "Datenschutzbehörde verhängt Bußgeld wegen Gesichtserkennung. Die Behörde kritisiert, dass keine Folgenabschätzung vorlag."),
    ("de", "Neuer Jailbreak umgeht die Sicherheitsfilter großer Sprachmodelle. Die Anweisungen werden in harmlosen Gedichten versteckt."),
    ("de", "Betrug mit Deepfake: Falscher Finanzchef erbeutet 25 Millionen Dollar. Die Mitarbeiter nahmen an einer gefälschten Videokonferenz teil."),
    ("de", "Gewichte eines KI-Modells im Netz aufgetaucht. Das Unternehmen bestätigt ein Datenleck auf einem internen Testserver."),
    ("de", "Regierung warnt vor Spionage gegen Forschungslabore für künstliche Intelligenz. Verdächtige Kontakte sollen gemeldet werden."),
    # Spanish
    ("es", "Piratas informáticos usan un chatbot de IA para robar contraseñas. Los investigadores descubrieron que el asistente revelaba datos de clientes."),
    ("es", "Multa a un banco por usar reconocimiento facial sin evaluación de privacidad. El regulador afirma que los clientes no fueron informados."),
    ("es", "Un nuevo ataque burla los filtros de seguridad de los modelos de lenguaje. Las instrucciones se esconden en poemas aparentemente inofensivos."),
    ("es", "Estafa con un vídeo falso del director financiero: roban 25 millones. Los empleados participaron en una videollamada manipulada."),
    ("es", "Se filtran los pesos de un modelo de inteligencia artificial. La empresa confirma que los archivos salieron de un servidor de pruebas."),
    ("es", "El Gobierno alerta sobre el espionaje a los laboratorios de inteligencia artificial. Pide a los investigadores denunciar contactos sospechosos."),
    # Chinese
    ("zh", "黑客利用人工智能聊天机器人窃取用户密码。研究人员发现，客服机器人会泄露账户信息。"),
    ("zh", "监管机构就人脸识别系统对银行处以罚款。该机构表示，系统在部署前没有进行隐私评估。"),
    ("zh", "新型越狱攻击绕过大语言模型的安全过滤。攻击者把指令藏在看似无害的诗歌中。"),
    ("zh", "深度伪造视频冒充财务总监，骗走两千五百万美元。员工参加的视频会议中其他人全是假的。"),
    ("zh", "中国发布人工智能安全治理框架。文件要求企业评估大模型被滥用的风险。"),
    ("zh", "政府警告境外间谍机构针对人工智能实验室。官员呼吁研究人员报告可疑接触。"),
    # Japanese
    ("ja", "ハッカーがAIチャットボットを悪用しパスワードを盗む。研究者によると、サポート用のボットが顧客情報を漏らしていた。"),
    ("ja", "顔認証システムの導入で銀行に罰金。当局は、プライバシー影響評価が行われていなかったと指摘した。"),
    ("ja", "大規模言語モデルの安全フィルターを回避する新たな手法が見つかった。指示は無害に見える詩の中に隠されている。"),
    ("ja", "ディープフェイクで財務責任者になりすまし、25億円をだまし取る。社員が参加したビデオ会議の相手はすべて偽物だった。"),
    ("ja", "政府はAI研究所を狙ったスパイ活動に警戒を呼びかけた。研究者に不審な接触を報告するよう求めている。"),
    # Korean
    ("ko", "해커들이 인공지능 챗봇을 악용해 비밀번호를 훔쳤다. 연구진은 상담용 챗봇이 고객 정보를 유출했다고 밝혔다."),
    ("ko", "안면 인식 시스템 도입한 은행에 과징금 부과. 당국은 개인정보 영향평가를 거치지 않았다고 지적했다."),
    ("ko", "대형 언어 모델의 안전 필터를 우회하는 새로운 공격 기법이 발견됐다. 공격자는 지시문을 평범한 시 속에 숨겼다."),
    ("ko", "딥페이크로 재무 책임자를 사칭해 거액을 가로챈 사기 사건. 직원들이 참석한 화상 회의의 다른 참석자는 모두 가짜였다."),
    ("ko", "정부는 인공지능 연구소를 노린 산업 스파이 활동에 주의를 당부했다. 서울에서 열린 회의에서 대응책이 논의됐다."),
    # Russian
    ("ru", "Хакеры используют чат-бота с искусственным интеллектом для кражи паролей. Исследователи выяснили, что бот раскрывал данные клиентов."),
    ("ru", "Банк оштрафовали за внедрение системы распознавания лиц. Регулятор заявил, что оценка рисков для приватности не проводилась."),
    ("ru", "Новый метод обхода защиты языковых моделей. Инструкции прячут внутри безобидных на вид стихотворений."),
    ("ru", "Мошенники с помощью дипфейка похитили 25 миллионов долларов. Сотрудники участвовали в поддельной видеоконференции."),
    ("ru", "Правительство предупреждает о шпионаже против лабораторий искусственного интеллекта. Исследователей просят сообщать о подозрительных контактах."),
    # Arabic
    ("ar", "قراصنة يستغلون روبوت دردشة بالذكاء الاصطناعي لسرقة كلمات المرور. اكتشف الباحثون أن الروبوت كان يكشف بيانات العملاء."),
    ("ar", "غرامة على مصرف بسبب استخدام تقنية التعرف على الوجه. قالت الجهة المنظمة إن النظام نُشر دون تقييم للخصوصية."),
    ("ar", "هجوم جديد يتجاوز مرشحات الأمان في نماذج اللغة الكبيرة. يخفي المهاجمون التعليمات داخل قصائد تبدو بريئة."),
    ("ar", "احتيال بفيديو مزيف للمدير المالي يكلف الشركة 25 مليون دولار. شارك الموظفون في اجتماع مرئي كان كل من فيه مزيفا."),
    ("ar", "الحكومة تحذر من التجسس على مختبرات الذكاء الاصطناعي. ودعت الباحثين إلى الإبلاغ عن أي اتصالات مشبوهة."),
]

# Titles alone, the shortest text detection is given (a feed with no summary).
TITLES: list[tuple[str, str]] = [
    ("en", "Chatbot leaks customer passwords"),
    ("en", "Deepfake CEO scam costs firm millions"),
    ("fr", "Fuite de données chez un fabricant de robots"),
    ("fr", "L'IA générative inquiète les banques"),
    ("de", "Sicherheitslücke in KI-Assistent entdeckt"),
    ("es", "Ataque informático contra un hospital"),
    ("zh", "人工智能安全新规发布"),
    ("ja", "生成AIの悪用に警戒"),
    ("ko", "인공지능 보안 위협 증가"),
    ("ru", "Утечка данных в крупном банке"),
    ("ar", "هجوم إلكتروني على وزارة"),
]

# Text too short or too mixed to say: detection must answer "und", not guess.
UNDECIDABLE: list[str] = [
    "GPT-4o",
    "AI",
    "OpenAI o3",
    "2025-03-01",
    "CVE-2025-1234",
    "",
    "   ",
]
