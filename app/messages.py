"""The one catalogue of user-facing strings (Chinese and English) for the app, the report and
its figures.

``t(key, lang, **values)`` returns the text of ``key`` in ``lang`` ("zh" or "en") with
``str.format`` placeholders filled. Lever, target and outcome labels come from
:data:`model.problem.PROBLEM` (declared once, with their zh/en labels); this module adds what the
model does not declare: interface text, unit names, group names, county names and the titles of
the scenario library. ``tests/app/test_messages.py`` checks that every key has both languages and
the same placeholders in each.
"""

from __future__ import annotations

import csv
import string
from functools import cache
from importlib import resources
from typing import Any

from model.problem import GROUP_ZH, PROBLEM

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

MESSAGES: dict[str, dict[str, str]] = {
    # -- page -----------------------------------------------------------------------------
    "app_title": {"zh": "数字草原：政策组合比较", "en": "Digital Steppe: compare policy packages"},
    "app_intro": {
        "zh": "为2至4个政策组合设置政策工具，运行模型，比较它们离2027年目标（T1–T8）有多近、公共成本是多少。"
              "每一列从方案库中的一个方案或基准出发。",
        "en": "Set the levers of two to four policy packages, run the model and compare how close each "
              "comes to the 2027 targets (T1–T8) and at what public cost. Each column starts from a "
              "scenario of the library or the baseline.",
    },
    "switch_lang": {"zh": "English", "en": "中文"},
    "settings": {"zh": "运行设置", "en": "Run settings"},
    "n_packages": {"zh": "比较的组合数", "en": "Packages to compare"},
    "reps": {"zh": "重复次数（每个组合）", "en": "Replications per package"},
    "reps_help": {"zh": "每次重复使用不同的随机数；各组合第r次重复使用同一随机数（共同随机数）。",
                  "en": "Each replication uses other random numbers; replication r of every package "
                        "uses the same ones (common random numbers)."},
    "scale": {"zh": "模拟规模（1 = 全部牧户和企业）", "en": "Scale (1 = every household and firm)"},
    "scale_help": {"zh": "0.2 表示每5户/5家企业一个主体，速度快；1 为全规模。",
                   "en": "0.2 means one agent per five households or firms (fast); 1 is full scale."},
    "seed": {"zh": "基础随机种子", "en": "Base seed"},
    "posterior_draws": {"zh": "后验参数组数 K", "en": "Posterior draws K"},
    "posterior_draws_help": {"zh": "0（默认）：所有模拟都用校准后验的中心参数组，与命令行和 Python 接口默认相同。"
                                   "K ≥ 1：从校准后验中抽取 K 组参数；"
                                   "每个组合的第 r 次重复都用第 r mod K 组参数和同一种子，"
                                   "组合之间成对可比。组合自己设定的参数优先。",
                             "en": "0 (default): every run uses the calibrated posterior's central set, as the "
                                   "command line and the Python API do by default. K ≥ 1: K parameter sets are "
                                   "drawn from the calibrated posterior; replication r of every package uses set "
                                   "r mod K and the same seed, so packages stay paired. "
                                   "A parameter a package sets itself wins."},
    "posterior_central": {"zh": "校准后验的中心参数组（{what}）", "en": "{what}"},
    "posterior_k_hint": {"zh": "要从后验抽样，请把 K 设为 1 或更大。",
                         "en": "Set K to 1 or more to draw from the posterior."},
    "use_priors": {"zh": "不用后验，改用手设先验默认值", "en": "Use the hand-set priors instead of the posterior"},
    "err_draws": {"zh": "后验参数组数须为 {low} 到 {high} 之间的整数。",
                  "en": "Posterior draws must be a whole number from {low} to {high}."},
    "posterior_used": {"zh": "参数来源：{what}", "en": "Parameters: {what}"},
    "posterior_line": {"zh": "校准后验（模型哈希 {model}，生成于 {created}，{runs} 次校准模拟，{rows} 组参数，"
                             "有效样本量 ESS {ess}），抽取 K={k} 组（后验文件哈希 {sha}）",
                       "en": "calibrated posterior (model hash {model}, created {created}, {runs} calibration "
                             "runs, {rows} parameter sets, ESS {ess}), K={k} draws (posterior file {sha})"},
    "posterior_priors": {"zh": "手设先验默认值（未使用校准后验）",
                         "en": "hand-set priors (the calibrated posterior is not used)"},
    "posterior_mismatch": {"zh": "校准后验与当前模型版本不符，不能使用。请等待重新校准，"
                                 "或勾选“改用手设先验默认值”后运行。",
                           "en": "The calibrated posterior belongs to another model version and cannot be used. "
                                 "Wait for it to be rebuilt, or tick “use the hand-set priors” to run without it."},
    "posterior_unusable": {"zh": "校准后验无法读取，不能使用。可勾选“改用手设先验默认值”后运行。",
                           "en": "The calibrated posterior cannot be read. Tick “use the hand-set priors” to "
                                 "run without it."},
    "run": {"zh": "运行比较", "en": "Run comparison"},
    "running": {"zh": "正在运行：已完成 {done}/{total} 次模拟（{cached} 次取自缓存）",
                "en": "Running: {done} of {total} simulations done ({cached} from the cache)"},
    "queued": {"zh": "排队中：第 {pos} 位，前面还有 {ahead} 个比较在运行或等待（可能是其他用户的），完成后自动开始。",
               "en": "Queued: position {pos}; {ahead} comparison(s), perhaps other users', run or wait before "
                     "this one; it starts by itself when they are done."},
    "preparing": {"zh": "正在准备运行…", "en": "Preparing the runs…"},
    "preview_note": {"zh": "预览：只有 {reps} 次重复、规模 {scale:g}，仅供先看大致情况；完整结果算好后自动替换。",
                     "en": "Preview: only {reps} replications at scale {scale:g}, for a first look; the full "
                           "result replaces it when ready."},
    "computing_new": {"zh": "正在计算新结果；下面灰色的是上一次的结果。",
                      "en": "Computing the new results; the greyed results below are the previous ones."},
    "run_done": {"zh": "完成：{new} 次新模拟，{cached} 次取自缓存，用时 {seconds:.1f} 秒",
                 "en": "Done: {new} new simulations, {cached} from the cache, {seconds:.1f} s"},
    "run_failed": {"zh": "运行失败：{reason}", "en": "The run failed: {reason}"},
    "fix_errors": {"zh": "请先改正标红的输入，再运行。", "en": "Correct the inputs marked in red first."},
    "no_results": {"zh": "设置好政策组合后，点击左侧“运行比较”。",
                   "en": "Set the packages, then press “Run comparison” on the left."},
    "stale": {"zh": "输入已改动：下面的结果属于上一次运行。",
              "en": "Inputs changed: the results below are from the previous run."},
    "unexpected": {"zh": "出现意外错误（{kind}）。输入已保存在网址中：刷新页面即可恢复。",
                   "en": "Unexpected error ({kind}). Your inputs are kept in the page's address: reload to "
                         "restore them."},
    "address_error": {"zh": "网址中的比较设置无法读取（可能被截断），已改用默认设置。",
                      "en": "The comparison in the address cannot be read (perhaps cut short); the defaults are "
                            "shown instead."},
    # -- package columns ---------------------------------------------------------------------
    "package_n": {"zh": "组合 {n}", "en": "Package {n}"},
    "package_name": {"zh": "组合名称", "en": "Package name"},
    "start_from": {"zh": "起点方案", "en": "Start from"},
    "saved_prefix": {"zh": "已保存", "en": "saved"},
    "lever_value": {"zh": "{label}（{unit}）", "en": "{label} ({unit})"},
    "from_date": {"zh": "自哪个月起改", "en": "From month"},
    "date_help": {"zh": "选“—”表示全程不变；选一个月份，则该工具自该月起改为右边的新值。",
                  "en": "“—”: no change during the run; pick a month and the lever takes the new value "
                        "on the right from that month on."},
    "new_value": {"zh": "该月起的值", "en": "value from that month"},
    "new_value_placeholder": {"zh": "填写新值", "en": "enter the new value"},
    "lever_help": {"zh": "允许范围 {range}，默认 {default}（{unit}）。数字可带千位分隔符，如 3,000,000。",
                   "en": "Allowed {range}, default {default} ({unit}). Numbers may carry thousands separators, "
                         "e.g. 3,000,000."},
    "lever_source": {"zh": "依据：{source}", "en": "Source: {source}"},
    "changed_levers": {"zh": "与默认值不同的工具：{n} 项", "en": "Levers set away from default: {n}"},
    "save": {"zh": "保存为方案文件", "en": "Save as scenario file"},
    "file_name": {"zh": "文件名", "en": "File name"},
    "overwrite": {"zh": "覆盖同名文件", "en": "Overwrite a file of that name"},
    "saved_to": {"zh": "已保存：{path}", "en": "Saved: {path}"},
    "download_toml": {"zh": "下载方案文件", "en": "Download scenario file"},
    "load": {"zh": "载入方案文件（.toml）", "en": "Load a scenario file (.toml)"},
    "loaded": {"zh": "已载入：{file}", "en": "Loaded: {file}"},
    "notes_dropped": {"zh": "起点方案的说明描述的是它原来的政策工具，改动后已清空（不会保存或写进报告）；"
                            "可在此写新的说明。",
                      "en": "The start's notes described its own levers and were cleared when the levers changed "
                            "(they are not saved or reported); write new notes here."},
    "description": {"zh": "说明（可选）", "en": "Notes (optional)"},
    # -- validation ---------------------------------------------------------------------------
    "err_range": {"zh": "{value} 超出允许范围 [{low}, {high}]",
                  "en": "{value} is out of range; allowed [{low}, {high}]"},
    "err_integer": {"zh": "{value} 不是整数", "en": "{value} is not a whole number"},
    "err_number": {"zh": "“{value}” 不是数字", "en": "“{value}” is not a number"},
    "err_empty_value": {"zh": "请填写数值", "en": "Enter a number"},
    "err_empty_name": {"zh": "名称不能为空", "en": "The name cannot be empty"},
    "err_name_long": {"zh": "名称过长（最多 {max} 个字符）", "en": "The name is too long (at most {max} characters)"},
    "err_file_name": {"zh": "文件名不能为空，不能含有 / 或 \\，也不能以“.”开头",
                      "en": "A file name cannot be empty, contain / or \\, or start with “.”"},
    "err_file_name_long": {"zh": "文件名过长：{n} 字节（UTF-8，含 .toml），"
                                 "最多 {max} 字节（约 {max} 个英文字母或 85 个汉字）",
                           "en": "The file name is too long: {n} bytes (UTF-8, with .toml); at most {max} bytes "
                                 "(about {max} Latin letters or 85 Chinese characters)"},
    "err_exists": {"zh": "{path} 已存在；换个文件名，或勾选“覆盖同名文件”",
                   "en": "{path} exists; choose another name or tick “Overwrite”"},
    "err_write": {"zh": "无法写入 {path}：{reason}", "en": "Cannot write {path}: {reason}"},
    "err_file": {"zh": "方案文件 {file} 有误：{detail}", "en": "The scenario file {file} has an error: {detail}"},
    "err_not_utf8": {"zh": "不是 UTF-8 文本，请以 UTF-8 编码保存", "en": "not UTF-8 text; save it as UTF-8"},
    "err_no_file": {"zh": "文件不存在", "en": "no such file"},
    "err_toml": {"zh": "不是有效的 TOML：{detail}", "en": "not valid TOML: {detail}"},
    "err_many_changes": {"zh": "工具 {lever} 有 {n} 次日期变更，本应用每个工具只支持一次",
                         "en": "lever {lever} changes {n} times; the app supports one dated change per lever"},
    "err_until": {"zh": "本应用比较到2027年底的结果，文件中 until = {until}",
                  "en": "the app compares results at end-2027; the file has until = {until}"},
    "err_reps": {"zh": "重复次数须在 [{low}, {high}] 之内", "en": "Replications must lie in [{low}, {high}]"},
    "err_scale": {"zh": "规模须在 [{low}, {high}] 之内", "en": "Scale must lie in [{low}, {high}]"},
    "err_seed": {"zh": "种子须为 [0, {high}] 之内的整数", "en": "The seed must be a whole number in [0, {high}]"},
    # -- results -----------------------------------------------------------------------------
    "results": {"zh": "结果", "en": "Results"},
    "tab_targets": {"zh": "目标达成", "en": "Targets"},
    "tab_diff": {"zh": "与参照之差", "en": "Difference from reference"},
    "tab_costs": {"zh": "公共成本", "en": "Public cost"},
    "tab_paths": {"zh": "轨迹", "en": "Trajectories"},
    "tab_counties": {"zh": "旗县", "en": "Counties"},
    "tab_notes": {"zh": "说明", "en": "Notes"},
    "tab_report": {"zh": "导出报告", "en": "Export report"},
    "run_meta": {"zh": "{reps} 次重复 × {n} 个组合，规模 {scale:g}，基础种子 {seed}",
                 "en": "{reps} replications × {n} packages, scale {scale:g}, base seed {seed}"},
    "target": {"zh": "目标", "en": "Target"},
    "threshold": {"zh": "2027年目标值", "en": "2027 target"},
    "p_met": {"zh": "达成概率", "en": "P(met)"},
    "median_90": {"zh": "中位数（90%区间）", "en": "Median (90% interval)"},
    "to_target": {"zh": "距目标", "en": "Distance to target"},
    "progress": {"zh": "完成度", "en": "Progress"},
    "targets_caption": {
        "zh": "达成次数为达成目标的重复次数（共几次中几次）；"
              "中位数与90%区间取自各次重复的2027年底值（个数取整）；"
              "“距目标”为中位数减目标值（负数表示差距），“完成度”为中位数占目标值的百分比。",
        "en": "Runs meeting it: how many of the replications meet the target; median and 90% interval are "
              "over the replications' end-2027 values (counts as whole numbers); “distance to target” is "
              "the median minus the target (negative: short of it), “progress” the median as a percentage "
              "of the target."},
    "reference": {"zh": "参照", "en": "reference"},
    "diff_caption": {
        "zh": "各组合减去参照组合（第1列：{ref}），逐次配对（同一随机种子）：配对差值的中位数与90%区间；"
              "区间包含0者标为“无可检测差异”。达成次数：参照 → 该组合。",
        "en": "Each package minus the reference (column 1: {ref}), paired by replication (same "
              "seed): median and 90% range of the paired differences; a range that includes 0 is marked "
              "“no detectable difference”. Runs meeting the target: reference → package."},
    "diff_value": {"zh": "差值中位数（90%区间）", "en": "Median difference (90% interval)"},
    "diff_p": {"zh": "达成概率变化", "en": "Change in P(met)"},
    "public_cost": {"zh": "公共成本", "en": "Public cost"},
    "cost_total": {"zh": "公共成本合计（2025—2027，中位数，90%区间）",
                   "en": "Total public cost 2025–2027 (median, 90% interval)"},
    "cost_by_lever": {"zh": "按政策工具和年份的公共成本（中位数）", "en": "Public cost by lever and year (median)"},
    "cost_unit": {"zh": "万元", "en": "million CNY"},
    "lever": {"zh": "政策工具", "en": "Lever"},
    "year": {"zh": "年份", "en": "Year"},
    "total": {"zh": "合计", "en": "Total"},
    "milestones": {"zh": "逐年进展（年底中位数）", "en": "Year by year (median at the end of each year)"},
    "milestones_caption": {"zh": "各目标在2025、2026、2027年底的中位数。T1 为数据产业规模指数（2024年=100），"
                                 "对照每年增长20%的路径。",
                           "en": "Each target's median at the end of 2025, 2026 and 2027. T1 is the data-industry "
                                 "scale index (2024 = 100), against the path of 20% growth a year."},
    "end_of_year": {"zh": "{year}年底", "en": "end-{year}"},
    "t1_milestones": {"zh": "指数路径 {path}", "en": "index path {path}"},
    "cost_met": {"zh": "成本与达成次数（相对参照）", "en": "Cost against targets met (vs reference)"},
    "cost_met_caption": {
        "zh": "每个组合的公共成本、与参照逐次配对的额外成本，以及各目标的达成次数（达成次数/运行次数）。"
              "不计算“每单位进展的成本”：进展在随机波动之内时，这一比值没有意义。",
        "en": "Each package's public cost, its extra cost over the reference paired by run, and the runs "
              "meeting each target (runs met / runs). No cost per unit of progress is computed: where the "
              "gain is within the noise such a ratio means nothing."},
    "extra_cost": {"zh": "额外成本（配对，90%区间）", "en": "Extra cost (paired, 90% range)"},
    "package": {"zh": "组合", "en": "Package"},
    "p_met_k": {"zh": "达成次数", "en": "Runs meeting it"},
    "k_of_n": {"zh": "{n} 次中 {k} 次", "en": "{k} of {n} runs"},
    "to": {"zh": "至", "en": "to"},
    "and": {"zh": "、", "en": " and "},
    "points": {"zh": "{v} 个百分点", "en": "{v} pp"},
    "k_to_k": {"zh": "{n} 次中 {kb} → {k} 次", "en": "{kb} → {k} of {n} runs"},
    "no_detectable": {"zh": "无可检测差异", "en": "no detectable difference"},
    "vs_reference": {"zh": "比参照", "en": "vs reference"},
    "few_reps": {"zh": "只有 {reps} 次重复（少于 {min} 次）：达成概率以 1/{reps} 为步长变化，"
                       "结论不稳，请增加重复次数。",
                 "en": "Only {reps} replications (fewer than {min}): probabilities move in steps of 1/{reps} "
                       "and the conclusions are fragile; run more replications."},
    "conclusion": {"zh": "结论", "en": "Conclusion"},
    "concl_best": {"zh": "{names} 最有把握：{total} 项目标中有 {m} 项在至少 {share} 的运行中达成（{tids}）。",
                   "en": "{names} is most likely to meet the targets: {m} of {total} met in at least {share} "
                         "of runs ({tids})."},
    "concl_none_likely": {"zh": "没有一个组合能在至少 {share} 的运行中达成任何一项目标。",
                          "en": "No package meets any target in at least {share} of runs."},
    "concl_each": {"zh": "各组合在至少 {share} 的运行中达成的目标：{list}。",
                   "en": "Targets each package meets in at least {share} of runs: {list}."},
    "concl_missed": {"zh": "没有组合能在至少 {share} 的运行中达成：{list}（括号内为有运行达成时最好的组合）。",
                     "en": "No package meets these in at least {share} of runs: {list} (in brackets the best "
                           "package, where any run meets it)."},
    "concl_all_reached": {"zh": "每项目标都至少有一个组合在 {share} 以上的运行中达成。",
                          "en": "Every target is met in at least {share} of runs by some package."},
    "concl_cost": {"zh": "2025—2027年公共成本（中位数）：{list}。", "en": "Public cost 2025–2027 (median): {list}."},
    "concl_uncertain": {"zh": "不确定之处：{reps} 次重复、规模 {scale:g}；与参照无可检测差异的目标：{undetected}。",
                        "en": "Uncertain: {reps} replications at scale {scale:g}; targets with no detectable "
                              "difference from the reference: {undetected}."},
    "export_xlsx": {"zh": "下载表格（Excel）", "en": "Download tables (Excel)"},
    "report_pdf_failed": {"zh": "无法生成 PDF：{reason}", "en": "Cannot make the PDF: {reason}"},
    "paths_caption": {"zh": "各组合的中位数（线）与90%区间（带），虚线为目标。",
                      "en": "Median (line) and 90% band of each package; dashed: the target."},
    "counties_caption": {"zh": "2027年底各旗县（市、区）政府所在地，颜色为各次重复的中位数。",
                         "en": "County seats at end-2027; colour is the median over replications."},
    "herder_adoption": {"zh": "牧户数字平台采用率", "en": "Herder platform adoption"},
    "firm_adoption": {"zh": "企业上云及以上占比", "en": "Firms at cloud level or above"},
    "digital_index": {"zh": "数字化指数", "en": "Digital index"},
    "county": {"zh": "旗县", "en": "County"},
    "notes_caption": {
        "zh": "与参照组合（第1列）逐次配对比较；同一随机数下，差异来自政策工具的不同。",
        "en": "Paired comparison with the reference (column 1); with common random numbers the "
              "difference comes from the levers."},
    "note_levers": {"zh": "{name} 与参照不同的政策工具：{levers}。",
                    "en": "{name} differs from the reference in: {levers}."},
    "note_same_levers": {"zh": "{name} 的政策工具与参照相同。", "en": "{name} has the same levers as the reference."},
    "note_moved": {"zh": "{tid} {label}：配对差值中位数 {diff}（90%区间 {lo} 至 {hi}），达成 {pb} → {p}。",
                   "en": "{tid} {label}: median paired difference {diff} (90% range {lo} to {hi}), "
                         "met in {pb} → {p}."},
    "note_unmoved": {"zh": "无可检测差异的目标：{tids}。", "en": "No detectable difference: {tids}."},
    "note_cost": {"zh": "公共成本中位数 {cost}（参照 {base}），增加最多的是：{lever}。",
                  "en": "Median public cost {cost} (reference {base}); the largest increase: {lever}."},
    "note_cost_same": {"zh": "公共成本中位数 {cost}（参照 {base}）。",
                       "en": "Median public cost {cost} (reference {base})."},
    "export_html": {"zh": "下载报告（HTML）", "en": "Download report (HTML)"},
    "export_pdf": {"zh": "下载报告（PDF）", "en": "Download report (PDF)"},
    "export_caption": {"zh": "报告以当前语言生成，含表格、图、政策设置、随机种子和模型版本，可直接发送。",
                       "en": "The report is in the current language, with tables, figures, lever "
                             "settings, seeds and model version, ready to send."},
    # -- report ------------------------------------------------------------------------------
    "report_title": {"zh": "数字草原 政策组合比较报告", "en": "Digital Steppe — policy package comparison"},
    "report_generated": {"zh": "生成时间 {when}", "en": "Generated {when}"},
    "lever_settings": {"zh": "政策工具设置", "en": "Lever settings"},
    "default": {"zh": "默认值", "en": "Default"},
    "provenance": {"zh": "运行信息", "en": "Provenance"},
    "model_version": {"zh": "模型版本", "en": "Model version"},
    "model_hash": {"zh": "模型源码哈希", "en": "Model source hash"},
    "git_commit": {"zh": "代码提交", "en": "Git commit"},
    "seeds": {"zh": "随机种子（第0次起）", "en": "Seeds (replication 0 on)"},
    "seed_rule": {"zh": "种子规则", "en": "Seed rule"},
    "posterior": {"zh": "参数后验", "en": "Posterior"},
    "parameters_overridden": {"zh": "参数覆盖", "en": "Parameter overrides"},
    "none": {"zh": "无", "en": "none"},
    "figure_paths": {"zh": "目标指标轨迹（中位数与90%区间）", "en": "Target indicators (median and 90% band)"},
    "figure_progress": {"zh": "2027年底完成度（目标=100%）", "en": "Progress at end-2027 (target = 100%)"},
    "figure_costs": {"zh": "按政策工具和年份的公共成本", "en": "Public cost by lever and year"},
    "figure_counties": {"zh": "旗县数字化（2027年底）", "en": "Digitalisation by county (end-2027)"},
    "median": {"zh": "中位数", "en": "median"},
    "band90": {"zh": "90%区间", "en": "90% band"},
    "target_line": {"zh": "目标", "en": "target"},
    "t1_path": {"zh": "年均增长20%路径", "en": "20%/year path"},
    "others": {"zh": "其他", "en": "other"},
    "percent_of_target": {"zh": "占目标的百分比", "en": "% of target"},
    # -- the deep uncertainties: central values, and futures across their ranges ---------------
    "futures": {"zh": "深度不确定性情景数 L", "en": "Futures across the deep uncertainties L"},
    "futures_help": {"zh": "0（默认）：不另算情景，结果为深度不确定参数取中心值时的结果。L ≥ 1：每个组合另在 L 个"
                           "情景中运行——对 {n} 个深度不确定参数的取值范围做拉丁超立方抽样（由基础种子决定，所有组合"
                           "共用同一组情景和随机数）；情景结果另列一节，不与中心值结果合并。模拟次数 = 组合数 × 重复"
                           "次数 × (1 + L)。",
                     "en": "0 (default): no futures; the results are at the deep uncertainties' central values. "
                           "L ≥ 1: every package also runs in L futures, a Latin hypercube over the ranges of the "
                           "{n} deep uncertainties drawn from the base seed (the same futures and random numbers "
                           "for every package); the futures are shown in a separate section, never pooled with "
                           "the central results. Runs = packages × replications × (1 + L)."},
    "err_futures": {"zh": "情景数 L 须为 {low} 到 {high} 之间的整数。",
                    "en": "The number of futures L must be a whole number from {low} to {high}."},
    "futures_many": {"zh": "共 {runs:,} 次模拟（组合数 × 重复次数 × (1 + L)），需要较长时间。",
                     "en": "{runs:,} runs (packages × replications × (1 + L)); this takes a while."},
    "deep_central": {"zh": "除“跨深度不确定性情景”一节外，所有结果均为 {n} 个深度不确定参数取中心值（手设值）时的"
                           "结果；其取值范围在“深度不确定性情景数 L”选项（命令行 steppe report --futures L，结果"
                           "另列一节）和 steppe robustness 中探索。",
                     "en": "All results but the section “across the deep uncertainties” are at the central values "
                           "of the {n} deep uncertainties (their hand-set values); their ranges are explored by the "
                           "option “futures across the deep uncertainties” L (steppe report --futures L; shown in a "
                           "separate section) and by steppe robustness."},
    "deep_provenance": {"zh": "深度不确定参数", "en": "Deep uncertainties"},
    "deep_provenance_central": {"zh": "{n} 个，取中心值（手设值）", "en": "{n}, at their central values (hand-set)"},
    "deep_provenance_futures": {"zh": "；另算 {L} 个情景（取值范围的拉丁超立方，随机流 [{seed}, 0xDEE9]，"
                                      "所有组合共用），结果另列",
                                "en": "; and {L} futures (a Latin hypercube over their ranges, stream "
                                      "[{seed}, 0xDEE9], shared by every package), shown apart"},
    "futures_heading": {"zh": "跨深度不确定性情景（{L} 个情景，与中心值结果分开）",
                        "en": "Across the deep uncertainties ({L} futures, apart from the central-value results)"},
    "futures_caption": {"zh": "每个情景是 {n} 个深度不确定参数的一组取值（在其取值范围内拉丁超立方抽样，种子 {seed}），"
                              "每个组合在每个情景中运行 {reps} 次，所有组合共用相同的情景和随机数。"
                              "“达成情景数”：达成目标的概率 ≥ 50% 的情景个数；“情景中位数范围”：各情景中目标指标"
                              "中位数的最小值到最大值；“最差情景”：中位数最低的情景（取值见下表；各情景中位数相同时为“–”）。"
                              "“中心值下中位数”即上方目标表中的值，仅供对照，不与情景结果合并。",
                        "en": "Each future is one set of values of the {n} deep uncertainties (a Latin hypercube over "
                              "their ranges, seed {seed}); every package runs {reps} time(s) in every future, all "
                              "packages in the same futures with the same random numbers. “Futures met”: futures in "
                              "which the target is met in at least 50% of the runs; “range of the futures' "
                              "medians”: the lowest to the highest median of the target indicator across futures; "
                              "“lowest future”: the future with the lowest median (its values in the next table; “–” "
                              "when all futures have the same median). "
                              "The median at the central values is the one of the targets table above, shown for "
                              "comparison and never pooled with the futures."},
    "central_median": {"zh": "中心值下中位数", "en": "median at the central values"},
    "futures_met": {"zh": "达成情景数（概率 ≥ 50%）", "en": "futures met (P(met) ≥ 50%)"},
    "futures_range": {"zh": "情景中位数范围", "en": "range of the futures' medians"},
    "worst_future": {"zh": "最差情景", "en": "lowest future"},
    "future_n": {"zh": "情景 {f}", "en": "future {f}"},
    "k_of_l_futures": {"zh": "{k} / {n} 个情景", "en": "{k} of {n} futures"},
    "futures_values_heading": {"zh": "各情景的深度不确定参数取值", "en": "The deep uncertainties in each future"},
    "futures_values_caption": {"zh": "所有组合在第 f 个情景中使用同一组取值（组合自身的参数文件已设定的值除外）。"
                                     "“中心值”是上方中心值结果所用的值。",
                               "en": "Every package uses the same values in future f (except a value its own file "
                                     "sets). The central value is the one the central-value results use."},
    "deep_param": {"zh": "深度不确定参数", "en": "deep uncertainty"},
    "deep_range": {"zh": "取值范围", "en": "range"},
    "central_value": {"zh": "中心值", "en": "central value"},
    "cli_runs_futures": {"zh": "报告：{n} 个组合 × {reps} 次重复 × (1 + {L} 个深度不确定性情景) = {runs:,} 次模拟",
                         "en": "report: {n} packages × {reps} replication(s) × (1 + {L} futures across the deep "
                               "uncertainties) = {runs:,} runs"},
    # -- the shipped study results (app/study_results.py) ---------------------------------------
    "tab_compare": {"zh": "比较政策组合", "en": "Compare packages"},
    "tab_studies": {"zh": "研究结果：稳健路径", "en": "Study results: robust paths"},
    "study_none_shipped": {"zh": "此版本未附带研究结果（运行 experiments/ship_studies.py 生成）。",
                           "en": "This checkout ships no study results (experiments/ship_studies.py writes them)."},
    "study_intro_robust": {
        "zh": "稳健性研究：{portfolios} 个抽样政策组合及方案库中的方案，各在 {futures} 个未来中运行"
              "（{draws} 组后验参数 × "
              "{deep} 个深度不确定参数的拉丁超立方），规模 {scale}，共 {runs} 次模拟，{date} 运行。",
        "en": "Robustness study: {portfolios} sampled lever portfolios and the library's packages, each in {futures} "
              "futures ({draws} posterior draw(s) × a Latin hypercube over {deep} deep uncertainties), scale {scale}, "
              "{runs} simulations, run {date}."},
    "study_intro_paths": {
        "zh": "路径研究：{portfolios} 个组合，各在 {draws} 组后验参数下运行（深度不确定参数取中心值），规模 {scale}，"
              "共 {runs} 次模拟。",
        "en": "Paths study: {portfolios} portfolios, each over {draws} posterior draw(s) (deep uncertainties at their "
              "central values), scale {scale}, {runs} simulations."},
    "study_stale": {"zh": "注意：这些结果是在与当前安装版本不同的模型上得到的，其中的数值可能已不成立。",
                    "en": "Note: these results were computed on another version of the model than the one "
                          "installed; their figures may no longer hold."},
    "study_front_heading": {"zh": "成本与达成：最低成本前沿", "en": "Cost against attainment: the least-cost front"},
    "study_target_select": {"zh": "目标", "en": "Target"},
    "study_all_eight": {"zh": "八项目标全部", "en": "all eight targets"},
    "study_portfolios": {"zh": "抽样组合", "en": "sampled portfolios"},
    "study_packages": {"zh": "方案库中的方案", "en": "library packages"},
    "study_front": {"zh": "最低成本前沿", "en": "least-cost front"},
    "study_robust_picks": {"zh": "各预算上限内最稳健", "en": "most robust within a ceiling"},
    "study_share_futures": {"zh": "达成的未来占比（%）：{what}", "en": "Futures in which {what} is met (%)"},
    "study_mean_futures": {"zh": "平均达成目标数（共8项，各未来平均）",
                           "en": "Targets met, mean over the futures (of 8)"},
    "study_mean_draws": {"zh": "平均达成目标数（共8项，各后验参数平均）",
                         "en": "Targets met, mean over posterior draws (of 8)"},
    "study_mean_option": {"zh": "平均达成目标数", "en": "Targets met (mean of 8)"},
    "study_p_draws": {"zh": "达成概率（%，后验参数）：{what}", "en": "P(met) over posterior draws (%): {what}"},
    "study_panel_robust": {"zh": "深度不确定性下的稳健性", "en": "Robustness under deep uncertainty"},
    "study_panel_paths": {"zh": "路径研究（深度不确定参数取中心值）", "en": "Paths study (deep uncertainties central)"},
    "study_cost_axis": {"zh": "2025—2027年平均公共成本（万元）", "en": "Mean public cost 2025-2027 (million CNY)"},
    "study_robust_heading": {"zh": "各预算上限内最稳健的组合",
                             "en": "The most robust portfolio within each budget ceiling"},
    "study_robust_caption": {
        "zh": "稳健：八项目标全部达成的未来最多，其次平均达成目标最多、最大遗憾最小、成本最低。"
              "T1–T8 列为该目标达成的未来占比。"
              "最大遗憾：与同一未来中最好的组合相比，少达成的目标数的最大值。每个组合都由模拟得到（未使用代理模型）。",
        "en": "Most robust: all eight met in the most futures, then most targets met on average, least worst regret, "
              "lowest cost. T1–T8: the share of futures in which that target is met. Worst regret: the most targets "
              "fewer than the best portfolio of the same future. Every figure is from simulation (no emulator)."},
    "study_ceiling": {"zh": "预算上限（平均成本）", "en": "Budget ceiling (mean cost)"},
    "study_all_met": {"zh": "八项全部达成", "en": "All eight met"},
    "study_targets_mean": {"zh": "平均达成目标数", "en": "Targets met (mean)"},
    "study_regret_max": {"zh": "最大遗憾（目标数）", "en": "Worst regret (targets)"},
    "study_cost": {"zh": "平均公共成本（5%—95%）", "en": "Mean public cost (5–95%)"},
    "study_none_within": {"zh": "此上限内无组合", "en": "none within this ceiling"},
    "study_robust_title": {"zh": "稳健组合（平均成本 ≤ {ceiling}）", "en": "Robust portfolio (mean cost ≤ {ceiling})"},
    "study_robust_note": {
        "zh": "稳健性研究（{date}）选出的平均成本不超过 {ceiling} 的最稳健组合：八项全部达成 {all}，"
              "平均达成 {mean} 项目标，平均公共成本 {cost}。",
        "en": "The most robust portfolio with mean cost within {ceiling} in the robustness study ({date}): all eight "
              "met in {all}, {mean} targets met on average, mean public cost {cost}."},
    "study_portfolio": {"zh": "组合 {n}", "en": "portfolio {n}"},
    "study_load": {"zh": "载入第 {k} 列", "en": "Load into column {k}"},
    "study_loaded": {"zh": "已将“{title}”载入第 {k} 列（见“比较政策组合”）。",
                     "en": "Loaded “{title}” into column {k} (see “Compare packages”)."},
    "study_vuln_heading": {"zh": "何时未达成：情景发现（PRIM）",
                           "en": "When targets are missed: scenario discovery (PRIM)"},
    "study_vuln_caption": {
        "zh": "对每个组合和目标，找出该目标未达成的未来集中在哪些参数范围（准p值 ≤ 0.05 的限制）。"
              "覆盖率：未达成的未来中落在该范围内的比例；"
              "密度：该范围内的未来中未达成的比例。",
        "en": "For each portfolio and target, the parameter ranges in which the futures that miss it concentrate "
              "(restrictions with quasi-p ≤ 0.05). Coverage: the share of the missing futures inside the box; "
              "density: the share of the futures inside the box that miss it."},
    "study_levers_heading": {"zh": "哪些政策工具范围使目标可能达成（路径研究，PRIM）",
                             "en": "Which lever ranges make each target likely (paths study, PRIM)"},
    "study_missed_in": {"zh": "{target}：{n} 次运行中 {k} 次未达成", "en": "{target} is missed in {k} of {n} runs"},
    "study_never_missed": {"zh": "在每个未来中都达成", "en": "met in every future"},
    "study_always_missed": {"zh": "在每个未来中都未达成", "en": "missed in every future"},
    "study_no_box": {"zh": "没有显著的条件（准p值 ≤ 0.05）", "en": "no condition stands out (quasi-p ≤ 0.05)"},
    "study_missed_when": {"zh": "{head}，主要在以下情形：{when}（覆盖率 {coverage:.0%}，密度 {density:.0%}）",
                          "en": "{head}, mainly when {when} (coverage {coverage:.0%}, density {density:.0%})"},
    "study_and": {"zh": "，且", "en": " and "},
    "study_above": {"zh": "{what}高于 {a}", "en": "{what} exceeds {a}"},
    "study_below": {"zh": "{what}低于 {b}", "en": "{what} is below {b}"},
    "study_between": {"zh": "{what}介于 {a} 与 {b} 之间", "en": "{what} lies between {a} and {b}"},
    "study_is_on": {"zh": "{what}开启", "en": "{what} is on"},
    "study_is_off": {"zh": "{what}关闭", "en": "{what} is off"},
    "study_starts_from": {"zh": "{what}自 {year} 年或以后开始", "en": "{what} starts in {year} or later"},
    "study_starts_by": {"zh": "{what}不晚于 {year} 年开始", "en": "{what} starts by {year}"},
    "study_starts_between": {"zh": "{what}在 {a}—{b} 年间开始", "en": "{what} starts between {a} and {b}"},
    "study_likely_when": {"zh": "{target}：达成概率 ≥ {p} 的组合主要满足：{when}"
                                "（覆盖率 {coverage:.0%}，密度 {density:.0%}）",
                          "en": "{target} is met with probability ≥ {p} mainly when {when} (coverage {coverage:.0%}, "
                                "density {density:.0%})"},
    "study_no_case": {"zh": "{target}：没有组合以 ≥ {p} 的概率达成", "en": "{target}: no portfolio meets it with "
                                                                      "probability ≥ {p}"},
    "study_every_case": {"zh": "{target}：每个组合都以 ≥ {p} 的概率达成", "en": "{target}: every portfolio meets it "
                                                                           "with probability ≥ {p}"},
    "study_no_lever_box": {"zh": "{target}：没有哪个政策工具范围显著有利（准p值 ≤ 0.05）",
                           "en": "{target}: no lever range stands out (quasi-p ≤ 0.05)"},
    # -- command line ------------------------------------------------------------------------
    "cli_written": {"zh": "已写出报告 {path}（{n} 个组合 × {reps} 次重复，{seconds:.1f} 秒）",
                    "en": "wrote the report {path} ({n} packages × {reps} replications, {seconds:.1f} s)"},
    "cli_format": {"zh": "--out 须以 .html 或 .pdf 结尾：{path}", "en": "--out must end in .html or .pdf: {path}"},
    "cli_runs": {"zh": "报告：{n} 个组合 × {reps} 次重复 = {runs:,} 次模拟",
                 "en": "report: {n} packages × {reps} replication(s) = {runs:,} runs"},
    "cli_too_many_runs": {"zh": "报告：{runs:,} 次模拟，超过 {limit:,} 次（单核约需一天，规模 0.2）；"
                                "请减少 --reps 或组合数，或加 --many-runs 仍然开始",
                          "en": "report: {runs:,} runs, more than {limit:,} (about a day of one core at scale 0.2); "
                                "give fewer --reps or packages, or add --many-runs to start it anyway"},
}

GROUP_EN = {"infrastructure": "Infrastructure", "enterprise": "Enterprise transformation",
            "herders": "Herders", "talent": "Talent", "compute": "Compute",
            "data_elements": "Data elements"}

UNIT_ZH = {
    "CNY/year": "元/年", "share": "比例", "share of capex": "占数字化投资比例", "centres": "个",
    "projects/year": "个/年", "CNY/kWh": "元/千瓦时", "households/year": "户/年",
    "share of device cost": "占终端费用比例", "seats/year": "名/年", "CNY/person/year": "元/人/年",
    "on/off": "开/关", "P/year (dense FP16)": "P/年（FP16）", "share of compute bill": "占算力费用比例",
    "share of categories": "占数据类目比例", "pilots": "个", "programmes/year": "个/年",
    "datasets/industry/year": "个/行业/年", "10k CNY/year": "万元/年", "10k CNY/person/year": "万元/人/年",
    # target units
    "%/year": "%/年", "datasets": "个", "products": "个", "cases": "个", "P (dense FP16)": "P（FP16）",
    "%": "%", "links of 8": "个环节（共8个）",
}

# Titles of the scenario library (scenarios/*.toml), zh and en.
SCENARIO_TITLES = {
    "baseline": ("基准（2024年底政策）", "Baseline (policy as of end-2024)"),
    "infrastructure_first": ("基础设施优先", "Infrastructure first"),
    "talent_first": ("人才优先", "Talent first"),
    "capability": ("转型能力（促进中心与示范项目）", "Capability (centres and demonstrations)"),
    "finance": ("金融支持", "Finance"),
    "green_compute": ("绿色算力", "Green compute"),
    "green_compute_cheap_green": ("绿色算力（绿电低价充足）", "Green compute, cheap green power"),
    "data_elements": ("数据要素", "Data elements"),
    "ai_plus": ("人工智能+", "AI+"),
    "capacity_without_demand": ("有算力无需求", "Capacity without demand"),
    "full_plan_003": ("003号方案全部措施", "Full plan of seed 003"),
}


def t(key: str, lang: str, **values: Any) -> str:
    """The text of ``key`` in ``lang`` with its placeholders filled."""
    text = MESSAGES[key][lang if lang in LANGS else DEFAULT_LANG]
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def lever_label(name: str, lang: str) -> str:
    v = PROBLEM.variable(name)
    return (v.label_zh or v.label_en) if lang == "zh" else v.label_en


# Money levers are typed and shown in 万元 (10,000 CNY), the unit the league's budgets are written
# in; scenario files and the model keep CNY. ``field_scale`` is CNY per unit of the field.
FIELD_CNY = 1e4


def field_scale(name: str) -> float:
    unit = PROBLEM.variable(name).unit
    return FIELD_CNY if unit.startswith("CNY/") and unit != "CNY/kWh" else 1.0


def field_unit(name: str) -> str:
    """A lever's unit as its field takes it ('10k CNY/year' for money levers)."""
    unit = PROBLEM.variable(name).unit
    return f"10k {unit}" if field_scale(name) != 1.0 else unit


def lever_with_unit(name: str, lang: str) -> str:
    """A lever's label followed by its unit once: a Chinese label that already ends in a
    per-year bracket (“示范项目（每年）”, “人才引进补贴（元/人/年）”) loses that bracket, which the
    unit says again."""
    label = lever_label(name, lang)
    if lang == "zh" and label.endswith("）") and "（" in label:
        head, _, tail = label[:-1].rpartition("（")
        if head and "年" in tail:
            label = head
    return t("lever_value", lang, label=label, unit=unit_label(field_unit(name), lang))


# The five source documents (docs/SEED_PASSAGES.md), named in Chinese for the lever tooltips.
SEED_ZH = {
    "000": "《锡林郭勒盟加快推进数字经济创新发展路径研究》（锡林郭勒职业学院）",
    "001": "《自治区推动数字经济高质量发展工作方案（2023—2025年）》",
    "002": "内蒙古数字经济发展评论（文献002）",
    "003": "《锡林郭勒盟数据产业高质量发展实施方案（2025—2027）》（锡署办发〔2025〕15号）",
    "004": "《内蒙古数字政府建设路径分析》",
}


def lever_source(name: str, lang: str) -> str:
    """Where a lever comes from (its ``source`` in the problem definition), with the seed
    documents named in Chinese on the Chinese page ("seed 003 line 18" -> "《…实施方案…》第18行")."""
    import re

    source = PROBLEM.variable(name).source or ""
    if lang == "zh":
        source = re.sub(r"seed (\d{3}) lines? (\d+)(?:-(\d+))?",
                        lambda m: f"{SEED_ZH.get(m[1], m[1])}第{m[2]}{'—' + m[3] if m[3] else ''}行", source)
        source = re.sub(r"seed (\d{3})", lambda m: SEED_ZH.get(m[1], m[1]), source)
        source = source.replace("FACTS", "事实表（FACTS）").replace("brief", "项目简介").replace("; ", "；")
    return t("lever_source", lang, source=source) if source else ""


def unit_label(unit: str, lang: str) -> str:
    return UNIT_ZH.get(unit, unit) if lang == "zh" else unit


def group_label(group: str, lang: str) -> str:
    return GROUP_ZH[group] if lang == "zh" else GROUP_EN[group]


def target_label(tid: str, lang: str) -> str:
    for tg in PROBLEM.targets:
        if tg.id == tid:
            return tg.label_zh if lang == "zh" else tg.label_en
    raise KeyError(tid)


# Notes of the scenario library in Chinese (the files' descriptions are English with Chinese
# quotes): what each package does, its sources in the seeds, and the numbers we chose.
SCENARIO_NOTES_ZH = {
    "baseline": "基准：2024年底的政策，各政策工具取默认值。无数据交易服务基地、无公共数据授权运营试点、无算力网络直连、"
                "无“人工智能+”项目；基础设施预算较小，1个转型促进中心，每年2个示范项目，数字化投资后补助5%"
                "（文献000：某矿企获73.5万元后补助），300个培训名额，新建数据中心绿电占比要求80%"
                "（2024年自治区规定；文献003第19行）。",
    "capability": "转型能力：转型促进中心（缓解“不会转”）与示范项目（缓解“不敢转”），其余政策工具同基准。"
                  "依据：文献002第23行（“不会转”“不能转”“不敢转”），文献001第60、94行，文献003第28、42行。"
                  "文献未给出、由我们设定的数值：自2025年起3个促进中心；每年6个示范项目（每个煤矿场景领域1个），"
                  "2026年7月试点征集结束后增至每年12个。",
    "finance": "金融支持：数字化投资的信贷/知识产权质押额度（缓解“不能转”）和更高的后补助比例，其余同基准。"
               "依据：文献003第57、36行，文献002第14行，文献001第147行，文献000第226—228行。"
               "设定：信贷额度每年2亿元（公共成本按实际发放的贷款计），后补助比例15%（基准5%）。",
    "talent_first": "人才优先：数字人才培训名额与引才补贴，其余同基准。依据：文献003第59行（锡林郭勒职业学院"
                    "数据产业技能培训、高端数据人才引进），文献004第53行，文献000第341—343行。"
                    "设定：每年1,500个培训名额（基准300个），引才补贴每人每年3万元（3年合同）。",
    "infrastructure_first": "基础设施优先：全盟基础设施预算及其向牧区旗县倾斜，其余同基准。依据：文献000第356—358、"
                            "183—185行，文献004第43行，文献003第18行。设定：每年1亿元（基准3,000万元），"
                            "其中70%投向牧区旗县（基准30%）。",
    "green_compute": "绿色算力：政府主导的数据中心建设、新建数据中心绿电要求及其作为审批条件、数据中心电价、"
                     "京津冀与和林格尔/乌兰察布两条网络直连，其余同基准。依据：文献003第15—19行（南部集群智能算力4万P、"
                     "边缘集群超1万P、新建数据中心绿电占比80%以上、多种低价绿电供应模式、网络直连）。"
                     "设定：2025、2026年每年决策建设3万P，2027年起不再新增。",
    "green_compute_cheap_green": "绿电低价充足情形下的绿色算力：政策同“绿色算力”，但绿电价格低于电网电价、"
                                 "各旗县可签约的绿电充足（文献003第19行“多种低价绿电供应模式”）。用以说明T6不是规则：投资者按成本选择"
                                 "绿电比例，可以超过80%的要求。参数设定（在先验范围内）：零比例时绿电溢价−0.07元/千瓦时，"
                                 "每单位比例调峰成本0.05元/千瓦时，各旗县30%的绿电容量可签约。",
    "data_elements": "数据要素：公共数据开放、授权运营试点、数据交易服务基地和委托建设数据集，其余同基准。"
                     "依据：文献003第30、32、35、36行。设定：2025年起开放50%的公共数据类目（基准20%），"
                     "2026年1月普查和目录完成后增至70%；2025年7月起设立服务基地并开展1个授权运营试点；"
                     "每个重点行业每年委托0.5个高质量数据集。",
    "ai_plus": "人工智能+：“人工智能+”场景项目，其余同基准。依据：文献003第38—39、12、50行。设定：每年10个项目"
               "（文献003第39行所列6个行业与4个小切口领域各1个）。未包括算力券：文献未提及。",
    "capacity_without_demand": "有算力无需求：与“绿色算力”同规模的政府主导数据中心建设（每年3万P，2027年起停止），"
                               "需求侧工具（网络直连、电价、补贴、促进中心、人才、人工智能+、数据要素）保持基准。"
                               "依据：文献002第14行（“机器堆积得多、利用得少……重复投资和能源浪费”），文献004第43行，"
                               "文献001第76行（上架率65%以上）。预期：T5纸面达成，但算力闲置、租金下跌、投资回报远低于"
                               "门槛、民间项目推迟或取消。",
    "full_plan_003": "锡盟数据产业实施方案（锡署办发〔2025〕15号）全部措施，各项取其单项方案的数值："
                     "5G与光网络（第18行）；2026年6月底前征集数字化转型试点（第28行）与6个煤矿场景（第42行）；公共数据普查（第30行）、"
                     "1个授权运营试点（第35行）、服务基地上架30个以上数据产品（第36行）；每个重点行业委托高质量数据集"
                     "（第32行）；“人工智能+”场景（第38—39行）；南部4万P、边缘超1万P算力集群，新建数据中心绿电80%"
                     "并作为审批条件，低价绿电（第16—19行）；网络直连（第18行）；数据安全（第52行）；知识产权质押融资"
                     "（第57行）；职业学院数据技能培训与人才引进（第59行）。",
}


def scenario_notes(name: str, file_notes: str, lang: str) -> str:
    """A library package's notes in ``lang`` (Chinese from :data:`SCENARIO_NOTES_ZH`; English and
    any other file: the file's own description)."""
    return SCENARIO_NOTES_ZH.get(name, file_notes) if lang == "zh" else file_notes


def display_title(title: str, origin: str, lang: str) -> str:
    """A package's name in ``lang``: a library scenario still under its library title (in either
    language) shows that title in ``lang``; any other name is the user's and is kept."""
    zh_en = SCENARIO_TITLES.get(origin)
    if zh_en is not None and title.strip() in zh_en:
        return zh_en[0] if lang == "zh" else zh_en[1]
    return title


def scenario_title(name: str, lang: str) -> str:
    zh_en = SCENARIO_TITLES.get(name)
    if zh_en is None:
        return name
    return zh_en[0] if lang == "zh" else zh_en[1]


@cache
def counties() -> list[dict[str, str]]:
    """County id, zh and en names and seat coordinates, from ``model/data/counties.csv``."""
    with resources.files("model.data").joinpath("counties.csv").open(encoding="utf-8") as f:
        return [{k: row[k] for k in ("county_id", "name_zh", "name_en", "seat_lat", "seat_lon")}
                for row in csv.DictReader(f)]


def county_name(county_id: str, lang: str) -> str:
    for c in counties():
        if c["county_id"] == county_id:
            if lang == "zh":
                return c["name_zh"]
            return c["name_en"].replace(" Banner", "").replace(" City", "").replace(" County", "")
    return county_id
