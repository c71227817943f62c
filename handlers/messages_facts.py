"""Texts for the institution level, categories taken from typed words, deadlines and the short
optional questions of ``handlers.details`` (Bahasa Indonesia first, English second)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "level_kabkota": (
        "Pemerintah kabupaten/kota (dinas, kecamatan, kelurahan, SD/SMP negeri)",
        "Regency/city government (agencies, districts, urban villages, state primary/junior "
        "high schools)",
    ),
    "level_provinsi": (
        "Pemerintah provinsi (dinas provinsi, SMA/SMK/SLB negeri)",
        "Provincial government (provincial agencies, state senior high/vocational schools)",
    ),
    "level_vertikal": (
        "Instansi vertikal di daerah (Kemenag, BPN, pajak, BPS, kejaksaan…)",
        "A national agency's local office (Kemenag, BPN, tax office, BPS, prosecutors…)",
    ),
    "level_pusat": ("Kementerian / lembaga pusat", "National ministry or agency"),
    "level_tni_polri": ("TNI / Polri", "Armed forces (TNI) / police (Polri)"),
    "level_unknown": ("Tidak tahu", "I don't know"),
    "level_taken": (
        "Tingkat instansi dicatat: {label}. (Bisa diubah di ringkasan.)",
        "Institution level noted: {label}. (You can change it in the summary.)",
    ),
    "category_which": (
        "Beberapa kategori cocok. Yang mana?",
        "Several categories match. Which one?",
    ),
    "category_taken": ("Kategori dicatat: {label}.", "Category noted: {label}."),
    "deadline_notice": (
        "Catatan: bila ingin membuat laporan resmi ke Bawaslu, batasnya {days} hari sejak Anda "
        "mengetahuinya: paling lambat {deadline}.",
        "Note: a formal report to Bawaslu must be made within {days} days of when you learned of "
        "it: by {deadline} at the latest.",
    ),
    "late_notice": (
        "Perhatian: batas laporan resmi adalah {days} hari sejak Anda mengetahuinya "
        "(paling lambat {deadline}), dan sudah lewat. Anda tetap boleh melanjutkan: Bawaslu "
        "dapat menjadikan informasi ini temuan. Laporan Anda akan ditandai terlambat.",
        "Note: the formal reporting window is {days} days from when you learned of it "
        "(by {deadline} at the latest), and it has passed. You may still continue: Bawaslu can "
        "turn this information into its own finding. Your report will be marked late.",
    ),
    "choice_skip_all": ("Lewati semua", "Skip all"),
    "pick_from_list": (
        'Pilih salah satu dari daftar (boleh ketik nomornya), atau "Lewati semua".',
        'Pick one from the list (you may type its number), or "Skip all".',
    ),
    "ask_race": (
        "Beberapa pertanyaan singkat lagi; semuanya boleh dilewati.\n"
        "Pelanggaran ini terkait pemilihan apa?",
        "A few short questions more; you may skip any of them.\nWhich race is this about?",
    ),
    "race_gubernur": ("Gubernur", "Governor"),
    "race_bupati_walikota": ("Bupati atau Wali Kota", "Regent or mayor"),
    "race_keduanya": ("Keduanya", "Both"),
    "race_unknown": ("Tidak tahu", "I don't know"),
    "ask_employment": (
        "Status kepegawaian terlapor?",
        "The reported person's employment status?",
    ),
    "employment_pns": ("PNS", "Civil servant (PNS)"),
    "employment_pppk": ("PPPK", "Contract civil servant (PPPK)"),
    "employment_honorer": ("Honorer / non-ASN", "Honorary / non-ASN staff"),
    "employment_desa": ("Kepala desa / perangkat desa", "Village head / village official"),
    "employment_tni": ("TNI", "Armed forces (TNI)"),
    "employment_polri": ("Polri", "Police (Polri)"),
    "employment_bumn": ("Pegawai BUMN/BUMD", "State/regional enterprise (BUMN/BUMD)"),
    "employment_unknown": ("Tidak tahu", "I don't know"),
    "ask_how_known": ("Dari mana Anda tahu?", "How do you know?"),
    "how_saw": ("Melihat langsung", "I saw it myself"),
    "how_told": ("Diberi tahu orang lain", "Someone told me"),
    "how_social": ("Melihat di media sosial", "I saw it on social media"),
    "ask_witnesses_willing": (
        "Apakah saksi bersedia memberi keterangan kepada Bawaslu?",
        "Would the witnesses be willing to give Bawaslu a statement?",
    ),
    "willing_ya": ("Ya", "Yes"),
    "willing_tidak": ("Tidak", "No"),
    "willing_unknown": ("Belum tahu", "Not sure yet"),
    "ask_place": (
        "Di mana tepatnya? Kecamatan, desa/kelurahan, atau tempatnya (misalnya "
        '"Aula Kantor Camat Sape"). Boleh dilewati.',
        'Where exactly? District, village, or the venue (e.g. "Sape district office hall"). '
        "You may skip.",
    ),
    "bad_place": (
        "Tempat paling banyak {limit} karakter dan harus berisi huruf. Tulis ulang atau pilih "
        '"Lewati".',
        "The place must be at most {limit} characters and contain letters. Type again or "
        'choose "Skip".',
    ),
    "label_race": ("Pemilihan", "Race"),
    "label_employment": ("Status kepegawaian", "Employment status"),
    "label_how_known": ("Sumber informasi", "How known"),
    "label_witnesses_willing": ("Saksi bersedia", "Witnesses willing"),
    "label_nip": ("NIP", "NIP"),
    "label_place": ("Tempat", "Venue"),
    "label_time": ("Waktu", "Time"),
    "followup_answer_by": (
        "Mohon jawab paling lambat {date}: setelah itu Bawaslu harus sudah memutuskan.",
        "Please answer by {date} at the latest: by then Bawaslu must have decided.",
    ),
    "incident_readback": (
        'Tanggal kejadian: {day} — benar? Bila salah, pilih "Ubah tanggal kejadian".',
        'Date of the incident: {day} — right? If not, choose "Change the incident date".',
    ),
    "choice_fix_incident": ("Ubah tanggal kejadian", "Change the incident date"),
    "vague_date": (
        'Mohon tulis tanggal persisnya, misalnya "Senin, 16 September" atau "16/9/2024". '
        "Bila tidak ingat, tulis perkiraan hari terdekat.",
        'Please write the exact day, e.g. "Monday, 16 September" or "16/9/2024". If you do '
        "not remember, write your best guess of the day.",
    ),
    "future_date": (
        "{date} belum terjadi. Tulis tanggal kejadian yang sudah lewat atau hari ini, "
        'lengkap dengan bulannya (misalnya "12 September").',
        "{date} has not happened yet. Write a date that is today or in the past, with its "
        'month (e.g. "12 September").',
    ),
    "evidence_none": ("tidak ada", "none"),
    "metadata_warning": (
        "Catatan: Netra menghapus metadata foto, metadata video MP4/MOV/3GP (lokasi, waktu, "
        "perangkat), dan kolom penulis PDF/Word/Excel bila bisa. "
        "Isi dokumen, video, dan rekaman suara (wajah, suara, tempat, riwayat berkas) tetap "
        "bisa mengungkap siapa Anda. Nama berkas asli tidak disimpan.",
        "Note: Netra removes photo metadata, MP4/MOV/3GP video metadata (place, time, device), "
        "and PDF/Word/Excel author fields where it can. "
        "The content of documents, videos and voice notes (faces, voices, places, file "
        "history) can still reveal who you are. Original file names are not kept.",
    ),
    "region_unknown_noted": (
        "Tanpa kabupaten/kota atau provinsi, laporan diteruskan ke Bawaslu RI, yang dapat "
        "mengalihkannya ke daerah. Bila nanti Anda tahu daerahnya, ubah di ringkasan.",
        "Without a regency, city or province, the report goes to Bawaslu RI, which can pass "
        "it on to the region. If you learn the place later, change it in the summary.",
    ),
    "edit_details": ("Detail tambahan", "Further details"),
}
