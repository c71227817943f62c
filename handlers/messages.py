"""Everything Netra says to reporters, in Bahasa Indonesia first and English.

Texts are plain (no Markdown) so every channel can show them as they are; ``*`` is avoided
because Telegram and WhatsApp would each read it differently.
"""

from __future__ import annotations

from handlers.messages_aside import TEXTS as ASIDE_TEXTS
from handlers.messages_facts import TEXTS as FACT_TEXTS

LANGS = ("id", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    "welcome": (
        "Selamat datang di Netra, kanal aduan netralitas ASN untuk Bawaslu.\n\n"
        "Pengelola: {operator}. Yang kami simpan: isi laporan Anda (kategori, "
        "terlapor, lokasi, tanggal, kronologi, bukti, saksi). Identitas akun Anda dienkripsi "
        "dan tidak pernah ditampilkan kepada petugas Bawaslu mana pun. Draf yang tidak dikirim "
        "dihapus setelah {days} hari; laporan yang dikirim disimpan selama ditangani Bawaslu.\n"
        "Catatan jujur: percakapan dengan Netra tidak terenkripsi end-to-end (ujung-ke-ujung). "
        "Telegram, atau Meta dan Twilio untuk WhatsApp, dapat membaca pesan Anda dan tahu akun "
        "mana yang mengirimnya.\n"
        "Saran: jangan tulis nama Anda sendiri di laporan. Netra menghapus metadata foto dan "
        "video serta nama penulis dokumen; isi dokumen, video, dan rekaman suara tetap bisa "
        "mengungkap siapa Anda.\n\n"
        "Ketik /batal kapan saja untuk membatalkan, /bantuan untuk bantuan.",
        "Welcome to Netra, the ASN-neutrality reporting channel for Bawaslu.\n\n"
        "Operated by: {operator}. What we store: the content of your report "
        "(category, reported person, place, dates, account of events, evidence, witnesses). "
        "Your account identity is encrypted and never shown to any Bawaslu officer. Drafts "
        "not sent are deleted after {days} days; sent reports are kept while Bawaslu handles "
        "them.\n"
        "To be honest: this chat is not end-to-end encrypted. Telegram, or Meta and Twilio "
        "for WhatsApp, can read your messages and know which account sent them.\n"
        "Advice: do not write your own name in the report. Netra removes photo and video "
        "metadata and document author fields; the content of documents, videos and voice "
        "notes can still reveal who you are.\n\n"
        "Type /batal (cancel) at any time to cancel, /bantuan (help) for help.",
    ),
    "ask_consent": (
        "Lanjutkan membuat laporan?",
        "Continue and make a report?",
    ),
    "choice_agree": ("Setuju, lanjut", "I agree, continue"),
    "choice_english": ("English", "English"),
    "choice_indonesian": ("Bahasa Indonesia", "Bahasa Indonesia"),
    "choice_cancel": ("Batal", "Cancel"),
    "choice_skip": ("Lewati", "Skip"),
    "choice_done": ("Selesai", "Done"),
    "choice_same_day": ("Hari yang sama", "The same day"),
    "choice_yes": ("Ya", "Yes"),
    "choice_retype": ("Bukan, ketik ulang", "No, type again"),
    "choice_submit": ("Kirim laporan", "Submit report"),
    "choice_edit": ("Ubah", "Edit"),
    "choice_resume": ("Lanjutkan draf", "Continue draft"),
    "choice_new": ("Mulai baru", "Start over"),
    "consent_reask": (
        'Pilih "Setuju, lanjut" untuk mulai, atau "Batal".',
        'Choose "I agree, continue" to begin, or "Cancel".',
    ),
    "ask_category": (
        "Langkah 1/8. Pelanggaran apa yang Anda lihat? Pilih salah satu (boleh ketik nomornya).",
        "Step 1/8. What violation did you see? Pick one (you may type its number).",
    ),
    "bad_category": (
        "Maaf, kategori itu tidak saya kenali. Pilih dari daftar atau ketik nomornya.",
        "Sorry, I did not recognise that category. Pick from the list or type its number.",
    ),
    "ask_position": (
        "Langkah 2/8. Siapa terlapor? Tulis jabatan dan instansinya, misalnya "
        '"Camat Sape, Pemkab Bima" atau "Guru SD Negeri 3 Sinjai".',
        "Step 2/8. Who is being reported? Write their position and institution, e.g. "
        '"Head of Sape district, Bima regency government".',
    ),
    "bad_position": (
        "Mohon tulis jabatan dan instansi terlapor (paling sedikit 3 huruf, paling banyak "
        "{limit} karakter).",
        "Please write the reported person's position and institution (at least 3 letters, at "
        "most {limit} characters).",
    ),
    "ask_level": (
        "Instansi terlapor termasuk pemerintahan tingkat mana?",
        "Which level of government does that institution belong to?",
    ),
    "bad_level": (
        'Pilih salah satu tingkat dari daftar, atau "Tidak tahu".',
        'Pick one level from the list, or "I don\'t know".',
    ),
    "ask_name": (
        "Nama terlapor, bila Anda tahu (boleh dilewati).",
        "The reported person's name, if you know it (you may skip).",
    ),
    "bad_name": (
        "Nama terlalu panjang atau tidak terbaca (paling banyak {limit} karakter). "
        'Tulis ulang atau pilih "Lewati".',
        "That name is too long or unreadable (at most {limit} characters). Type it again or "
        'choose "Skip".',
    ),
    "ask_region": (
        'Langkah 3/8. Di kabupaten/kota mana kejadiannya? Contoh: "Kab. Bima", '
        '"Kota Bekasi", "Sinjai". Bila hanya tahu provinsinya, tulis provinsinya; bila tidak '
        'tahu sama sekali (misalnya unggahan daring), tulis "tidak tahu".',
        'Step 3/8. In which regency or city did it happen? E.g. "Kab. Bima", "Kota Bekasi", '
        '"Sinjai". If you only know the province, write the province; if you do not know at '
        'all (an online post, say), write "don\'t know".',
    ),
    "region_ambiguous": (
        'Nama "{text}" dipakai lebih dari satu daerah. Yang mana?',
        '"{text}" is the name of more than one region. Which one?',
    ),
    "region_suggest": (
        'Saya tidak menemukan "{text}" persis. Maksud Anda salah satu ini?',
        'I could not find "{text}" exactly. Did you mean one of these?',
    ),
    "region_none": (
        'Maaf, daerah "{text}" tidak saya temukan. Tulis nama kabupaten/kota atau provinsi, '
        'misalnya "Kabupaten Sinjai" atau "Kota Malang".',
        'Sorry, I could not find the region "{text}". Write a regency, city or province name, '
        'e.g. "Kabupaten Sinjai" or "Kota Malang".',
    ),
    "region_blank": (
        "Mohon tulis nama kabupaten/kota tempat kejadian.",
        "Please write the name of the regency or city where it happened.",
    ),
    "region_pick_reask": (
        'Pilih salah satu dari daftar, atau "Bukan, ketik ulang".',
        'Pick one from the list, or "No, type again".',
    ),
    "region_location_hint": (
        "Lokasi yang Anda bagikan paling dekat dengan {text}. Benar? Bila Anda tahu "
        "kabupaten/kotanya, lebih baik ketik namanya.",
        "The location you shared is nearest to {text}. Is that right? If you know the regency "
        "or city, better type its name.",
    ),
    "region_location_unsupported": (
        "Terima kasih. Mohon tulis juga nama kabupaten/kotanya.",
        "Thank you. Please also type the name of the regency or city.",
    ),
    "ask_incident_date": (
        'Langkah 4/8. Kapan kejadiannya? Contoh: "17/9/2024", "17 September 2024", '
        '"kemarin", "2 hari lalu".',
        'Step 4/8. When did it happen? E.g. "17/9/2024", "17 September 2024", '
        '"yesterday", "2 days ago".',
    ),
    "bad_date": (
        'Tanggal itu tidak terbaca. Tulis seperti "17/9/2024", "17 September 2024", '
        '"hari ini" atau "kemarin".',
        'I could not read that date. Write it like "17/9/2024", "17 September 2024", '
        '"today" or "yesterday".',
    ),
    "ask_learned_date": (
        "Kapan Anda mengetahui kejadian itu? Biasanya hari yang sama.",
        "When did you learn about it? Usually the same day.",
    ),
    "learned_before_incident": (
        "Tanggal mengetahui ({learned}) tidak boleh sebelum tanggal kejadian ({incident}).",
        "The date you learned of it ({learned}) cannot be before the incident ({incident}).",
    ),
    "ask_description": (
        "Langkah 5/8. Ceritakan apa yang terjadi: siapa melakukan apa, di mana tepatnya, "
        "untuk calon siapa. Paling banyak {limit} karakter.",
        "Step 5/8. Describe what happened: who did what, where exactly, for which candidate. "
        "At most {limit} characters.",
    ),
    "description_too_long": (
        "Cerita Anda {length} karakter; batasnya {limit}. Mohon ringkas, lalu kirim ulang. "
        "Detail tambahan bisa dikirim sebagai dokumen pada langkah bukti.",
        "Your account is {length} characters; the limit is {limit}. Please shorten it and send "
        "it again. Extra detail can be sent as a document at the evidence step.",
    ),
    "description_too_short": (
        "Mohon ceritakan sedikit lebih lengkap (paling sedikit {minimum} huruf atau angka).",
        "Please describe it a little more (at least {minimum} letters or digits).",
    ),
    "ask_evidence": (
        "Langkah 6/8. Kirim bukti: foto, video, dokumen, rekaman suara, atau tautan (link). "
        'Boleh lebih dari satu. Pilih "Selesai" bila sudah, atau bila tidak ada bukti.',
        "Step 6/8. Send evidence: photos, videos, documents, voice notes, or links. You may "
        'send several. Choose "Done" when finished, or if you have none.',
    ),
    "evidence_saved": (
        'Bukti diterima ({count}). Kirim lagi, atau pilih "Selesai".',
        'Evidence received ({count}). Send more, or choose "Done".',
    ),
    "evidence_not_understood": (
        "Pada langkah ini kirim foto, video, dokumen, atau tautan yang diawali http(s)://. "
        'Pilih "Selesai" bila sudah.',
        "At this step send a photo, video, document, or a link starting with http(s)://. "
        'Choose "Done" when finished.',
    ),
    "evidence_limit": (
        'Batas {limit} bukti sudah tercapai. Pilih "Selesai" untuk lanjut.',
        'The limit of {limit} pieces of evidence is reached. Choose "Done" to continue.',
    ),
    "media_too_large": (
        "Maaf, berkas itu terlalu besar untuk diterima di sini. Unggah ke layanan penyimpanan "
        "(misalnya Google Drive) dan kirim tautannya.",
        "Sorry, that file is too large to accept here. Upload it to a storage service (e.g. "
        "Google Drive) and send the link instead.",
    ),
    "media_unavailable": (
        "Maaf, berkas Anda tidak dapat kami ambil saat ini. Silakan kirim sekali lagi.",
        "Sorry, we could not fetch your file just now. Please send it once more.",
    ),
    "media_unsupported": (
        "Maaf, jenis berkas itu tidak bisa diterima. Kirim foto, video, PDF/dokumen, rekaman "
        "suara, atau tautan.",
        "Sorry, that kind of file cannot be accepted. Send a photo, video, PDF/document, voice "
        "note, or a link.",
    ),
    "media_not_now": (
        "Berkas bisa dikirim nanti pada langkah bukti (langkah 6). Berkas ini belum disimpan.",
        "Files can be sent later at the evidence step (step 6). This file was not saved.",
    ),
    "ask_witnesses": (
        "Langkah 7/8. Ada saksi? Tulis siapa (jabatan atau peran; nama boleh tidak ditulis), "
        'atau pilih "Lewati".',
        "Step 7/8. Any witnesses? Write who (role or position; names are optional), or choose "
        '"Skip".',
    ),
    "bad_witnesses": (
        "Keterangan saksi paling banyak {limit} karakter dan harus berisi huruf. Tulis ulang "
        'atau pilih "Lewati".',
        "Witness details must be at most {limit} characters and contain letters. Type again or "
        'choose "Skip".',
    ),
    "summary": (
        "Langkah 8/8. Periksa laporan Anda:\n\n{body}\n\nKirim sekarang?",
        "Step 8/8. Check your report:\n\n{body}\n\nSubmit now?",
    ),
    "summary_reask": (
        'Pilih "Kirim laporan", "Ubah", atau "Batal".',
        'Choose "Submit report", "Edit", or "Cancel".',
    ),
    "label_category": ("Kategori", "Category"),
    "label_position": ("Terlapor", "Reported person"),
    "label_level": ("Tingkat instansi", "Institution level"),
    "label_name": ("Nama terlapor", "Name"),
    "label_region": ("Lokasi", "Place"),
    "label_incident": ("Tanggal kejadian", "Date of incident"),
    "label_learned": ("Tanggal diketahui", "Date learned"),
    "label_description": ("Kronologi", "What happened"),
    "label_evidence": ("Bukti", "Evidence"),
    "label_witnesses": ("Saksi", "Witnesses"),
    "label_office": ("Diteruskan ke", "Goes to"),
    "label_late": ("Melewati batas {days} hari", "Past the {days}-day window"),
    "none": ("-", "-"),
    "evidence_count": ("{count} bukti", "{count} item(s)"),
    "ask_edit": ("Bagian mana yang ingin diubah?", "Which part do you want to change?"),
    "edit_who": ("Terlapor", "Reported person"),
    "edit_when": ("Tanggal", "Dates"),
    "submitted": (
        "Laporan terkirim ke {office}. Terima kasih.\n\n"
        "Kode laporan: {code}\n"
        "Kode rahasia: {receipt}\n\n"
        "Simpan kedua kode di tempat aman. Kode rahasia tidak bisa ditampilkan lagi dan jangan "
        "dibagikan. Dengan kedua kode, ketik /status untuk melihat perkembangan laporan tanpa "
        "menyebut identitas. Bila perlu, hapus percakapan ini dari ponsel Anda.",
        "Report sent to {office}. Thank you.\n\n"
        "Report code: {code}\n"
        "Secret receipt: {receipt}\n\n"
        "Keep both codes somewhere safe. The secret receipt cannot be shown again; do not share "
        "it. With both codes, type /status to follow your report without revealing who you "
        "are. If needed, delete this chat from your phone.",
    ),
    "cancelled": (
        "Laporan dibatalkan; tidak ada yang dikirim dan draf beserta buktinya dihapus. "
        "Ketik /mulai untuk membuat laporan baru.",
        "Report cancelled; nothing was sent and the draft and its evidence were deleted. Type "
        "/mulai to start a new report.",
    ),
    "nothing_to_cancel": (
        "Tidak ada laporan yang sedang dibuat. Ketik /mulai untuk membuat laporan.",
        "There is no report in progress. Type /mulai to start one.",
    ),
    "help": (
        "Netra menerima aduan pelanggaran netralitas ASN, kepala desa, dan TNI/Polri dalam "
        "pemilihan, lalu meneruskannya ke Bawaslu daerah kejadian. Identitas akun Anda "
        "dienkripsi dan tidak pernah ditampilkan kepada petugas.\n\n"
        "/mulai - buat laporan\n"
        "/status - cek perkembangan laporan dengan kode laporan dan kode rahasia\n"
        "/batal - batalkan laporan yang sedang dibuat\n"
        "/bahasa en - English; /bahasa id - Bahasa Indonesia\n"
        "/bantuan - pesan ini",
        "Netra takes reports of election-neutrality breaches by civil servants (ASN), village "
        "heads and TNI/Polri, and forwards them to the Bawaslu office where it happened. Your "
        "account identity is encrypted and never shown to officers.\n\n"
        "/mulai - start a report\n"
        "/status - check a report with its report code and secret receipt\n"
        "/batal - cancel the report in progress\n"
        "/bahasa en - English; /bahasa id - Bahasa Indonesia\n"
        "/bantuan - this message",
    ),
    "expired": (
        "Percakapan sebelumnya berhenti karena tidak aktif lebih dari {minutes} menit. "
        "Draf laporan Anda masih tersimpan.",
        "Your previous conversation stopped after more than {minutes} minutes without activity. "
        "Your draft report is still saved.",
    ),
    "draft_discarded": (
        "Draf laporan lama Anda sudah dihapus karena tidak dilanjutkan selama {days} hari.",
        "Your old draft was deleted because it was not continued for {days} days.",
    ),
    "ask_resume": (
        "Lanjutkan draf yang tersimpan, atau mulai baru?",
        "Continue the saved draft, or start over?",
    ),
    "daily_limit": (
        "Anda sudah mengirim {limit} laporan dalam 24 jam terakhir, batas harian Netra. Mohon "
        "coba lagi besok. Bila ada hal mendesak, hubungi kantor Bawaslu setempat.",
        "You have sent {limit} reports in the last 24 hours, Netra's daily limit. Please try "
        "again tomorrow. If it is urgent, contact your local Bawaslu office.",
    ),
    "ask_status_code": (
        "Tulis kode laporan Anda (contoh: ACD-EFH).",
        "Type your report code (e.g. ACD-EFH).",
    ),
    "ask_status_receipt": (
        "Sekarang tulis kode rahasia Anda.",
        "Now type your secret receipt.",
    ),
    "bad_ticket_code": (
        "Kode laporan terdiri dari 6 huruf/angka, seperti ACD-EFH. Tulis ulang, atau /batal.",
        "A report code has 6 letters/digits, like ACD-EFH. Type it again, or /batal.",
    ),
    "status_result": (
        "Laporan {code} ({office}): {status}.\nDiterima {created}; terakhir diperbarui {updated}.",
        "Report {code} ({office}): {status}.\nReceived {created}; last updated {updated}.",
    ),
    "status_wrong": (
        "Kode laporan atau kode rahasia tidak cocok. Periksa lagi lalu ketik /status.",
        "The report code or secret receipt does not match. Check them and type /status again.",
    ),
    "status_throttled": (
        "Terlalu banyak percobaan yang salah. Coba lagi setelah {minutes} menit.",
        "Too many wrong attempts. Try again in {minutes} minutes.",
    ),
    "ask_language": ("Pilih bahasa / Choose a language.", "Choose a language / Pilih bahasa."),
    "language_set": ("Bahasa: Indonesia.", "Language: English."),
    "resume_reask": (
        'Pilih "Lanjutkan draf" atau "Mulai baru".',
        'Choose "Continue draft" or "Start over".',
    ),
    "status_baru": ("diterima, menunggu kajian", "received, awaiting review"),
    "status_dikaji": ("sedang dikaji Bawaslu", "under review by Bawaslu"),
    "status_perlu_info": (
        "Bawaslu memerlukan informasi tambahan",
        "Bawaslu needs more information",
    ),
    "status_ditindaklanjuti": ("ditindaklanjuti", "being acted on"),
    "status_selesai": ("selesai", "closed"),
    "status_tidak_ditindaklanjuti": ("tidak ditindaklanjuti", "not taken further"),
    "status_changed_notice": (
        "Kabar dari Netra: status laporan {code} sekarang: {status}. "
        "Ketik /status untuk melihat rinciannya.",
        "News from Netra: report {code} is now: {status}. Type /status for details.",
    ),
    # broadcasts (handlers.subscribe) and WhatsApp's numbered menus
    "unsubscribed": (
        "Anda tidak akan menerima pengumuman dari Netra lagi. Balasan dan kabar tentang "
        "laporan Anda sendiri tetap dikirim. Untuk menerima pengumuman lagi, kirim LANGGANAN.",
        "You will no longer receive announcements from Netra. Replies and news about your own "
        "reports still arrive. To receive announcements again, send SUBSCRIBE.",
    ),
    "subscribed": (
        "Anda akan menerima pengumuman Bawaslu dari Netra. Kirim BERHENTI untuk berhenti.",
        "You will receive Bawaslu announcements from Netra. Send STOP to stop them.",
    ),
    "reply_with_number": ("Balas {numbers}", "Reply {numbers}"),
    # Telegram groups and channels (bot.channels.telegram): nothing from a group is stored
    "private_only": (
        "Netra hanya menerima laporan lewat chat pribadi dengan bot ini. Jangan melapor di "
        "grup: anggota grup dapat melihat siapa yang melapor. Buka chat pribadi dengan bot "
        "ini dan ketik /mulai.",
        "Netra takes reports only in a private chat with this bot. Do not report in a group: "
        "its members can see who reported. Open a private chat with this bot and type /mulai.",
    ),
}

CATALOGUE.update(ASIDE_TEXTS)  # follow-up questions and the formal-identity lane
CATALOGUE.update(FACT_TEXTS)  # levels, deadlines and the short optional questions


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (Indonesian when unknown), with ``values`` filled in."""
    texts = CATALOGUE[key]
    text = texts[1] if lang == "en" else texts[0]
    return text.format(**values) if values else text
