-- Service categories as data (Architecture 1, item 6): the list projects are filed under, which
-- the city admin edits; points coefficients and the wish menu key on its codes. A category in use
-- is never deleted, only retired (projects keep their code and its names).
CREATE TABLE service_categories (
    code TEXT NOT NULL PRIMARY KEY,
    name_zh TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    retired_at TIMESTAMPTZ,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The codes projects used until now, then the ones counties use that were missing.
INSERT INTO service_categories (code, name_zh, name_en, position, updated_by, updated_at) VALUES
    ('theory_lecture', '理论宣讲', 'Theory lecture', 10, 'system', '2026-11-30 00:00:00+00'),
    ('changing_customs', '移风易俗', 'Changing customs', 20, 'system', '2026-11-30 00:00:00+00'),
    ('culture_to_countryside', '送文化下乡', 'Culture to the countryside', 30, 'system', '2026-11-30 00:00:00+00'),
    ('traffic_guidance', '交通劝导', 'Traffic guidance', 40, 'system', '2026-11-30 00:00:00+00'),
    ('poverty_relief', '扶贫济困', 'Poverty relief', 50, 'system', '2026-11-30 00:00:00+00'),
    ('psychological_counselling', '心理咨询', 'Psychological counselling', 60, 'system', '2026-11-30 00:00:00+00'),
    ('health', '医疗卫生', 'Health', 70, 'system', '2026-11-30 00:00:00+00'),
    ('legal_aid', '法律援助', 'Legal aid', 80, 'system', '2026-11-30 00:00:00+00'),
    ('emergency_rescue', '应急救援', 'Emergency rescue', 90, 'system', '2026-11-30 00:00:00+00'),
    ('environment', '生态环保', 'Environment', 100, 'system', '2026-11-30 00:00:00+00'),
    ('science', '科学普及', 'Science popularisation', 110, 'system', '2026-11-30 00:00:00+00'),
    ('holiday_care', '七彩假期', 'Holiday care for children', 120, 'system', '2026-11-30 00:00:00+00'),
    ('field_class', '田间课堂', 'Agricultural field class', 130, 'system', '2026-11-30 00:00:00+00'),
    ('training', '培训', 'Training', 140, 'system', '2026-11-30 00:00:00+00'),
    ('culture_arts', '文化文艺', 'Culture and arts', 150, 'system', '2026-11-30 00:00:00+00'),
    ('elderly_care', '关爱老人', 'Caring for the elderly', 160, 'system', '2026-11-30 00:00:00+00'),
    ('child_care', '关爱儿童', 'Caring for children', 170, 'system', '2026-11-30 00:00:00+00'),
    ('tutoring', '助学支教', 'Tutoring and school support', 180, 'system', '2026-11-30 00:00:00+00'),
    ('public_safety', '平安建设', 'Public safety', 190, 'system', '2026-11-30 00:00:00+00'),
    ('other', '其他', 'Other', 1000, 'system', '2026-11-30 00:00:00+00');
